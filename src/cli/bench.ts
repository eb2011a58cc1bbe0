import { benchmark, type BenchmarkOptions } from '../index.js';
import { int, parse, str, UsageError, type Command } from './common.js';

function fmtMs(ms: number): string {
  return ms >= 10 ? ms.toFixed(1) : ms.toFixed(3);
}

/** `venice-ipc bench`: Venice's `ipc/benchmark` against a server that answers TEST messages. */
export const benchCommand: Command = {
  name: 'bench',
  usage:
    'bench [--uri URI | --port N [--host H]] [--size SIZE] [--count N] [--duration S] [--in-flight N] [--encrypt] [--own-server] [--json]',
  summary: 'send TEST messages (default 5KB for 10 s, 1 in flight) and print the throughput summary',
  async run(argv) {
    const { values: v } = parse(argv, {
      uri: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      size: { type: 'string' },
      count: { type: 'string' },
      duration: { type: 'string' },
      'in-flight': { type: 'string' },
      encrypt: { type: 'boolean' },
      'own-server': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const uri = str(v, 'uri');
    const port = int(v, 'port');
    const host = str(v, 'host');
    if (uri !== undefined && (port !== undefined || host !== undefined)) throw new UsageError('give either --uri or --port/--host');
    const ownServer = v['own-server'] === true;
    const duration = Number(str(v, 'duration') ?? '10');
    if (!(duration > 0)) throw new UsageError('--duration expects a positive number of seconds');
    const size = str(v, 'size') ?? '5KB';
    const opts: BenchmarkOptions = {
      ...(uri !== undefined ? { uri } : port !== undefined || !ownServer ? { port: port ?? 33333, ...(host !== undefined ? { host } : {}) } : {}),
      msgSize: /^[0-9]+$/.test(size) ? Number(size) : size,
      msgCount: int(v, 'count') ?? 1_000_000,
      durationSeconds: duration,
      inFlight: int(v, 'in-flight') ?? 1,
      encrypt: v['encrypt'] === true,
      startServer: ownServer,
    };
    const r = await benchmark(opts);
    if (v['json'] === true) {
      process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(
      `${r.summary}\nIn flight:        ${r.params.inFlight}\nLatency p50/p99:  ${fmtMs(r.latencyP50Millis)} / ${fmtMs(r.latencyP99Millis)} ms\n`,
    );
    return 0;
  },
};
