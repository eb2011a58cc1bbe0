import { benchmark, type BenchmarkOptions, type BenchmarkProgress } from '../index.js';
import { EXIT, int, jsonOption, port, str, URI_ENV, UsageError, type Command } from './common.js';

function fmtMs(ms: number): string {
  return ms >= 10 ? ms.toFixed(1) : ms.toFixed(3);
}

/** One progress line for stderr: `bench: 3 s of 10 s, 12345 messages, 4115 msg/s`. */
export function progressLine(p: BenchmarkProgress): string {
  const secs = p.elapsedMillis / 1000;
  return `bench: ${Math.round(secs)} s of ${Math.round(p.durationMillis / 1000)} s, ${p.messages} messages, ${Math.round(secs > 0 ? p.messages / secs : 0)} msg/s`;
}

/** `venice-ipc bench`: Venice's `ipc/benchmark` against a server that answers TEST messages. */
export const benchCommand: Command = {
  name: 'bench',
  summary: 'send TEST messages (default 5KB for 10 s, 1 in flight) and print the throughput summary',
  details: 'Progress goes to stderr, a line per second, when stderr is a terminal or with --progress.',
  options: [
    { name: 'uri', type: 'string', value: 'URI', description: `server endpoint. Defaults to $${URI_ENV}, else 127.0.0.1:33333 (with --own-server: an ephemeral port)` },
    { name: 'port', type: 'string', value: 'N', description: 'server port (instead of --uri). Defaults to 33333' },
    { name: 'host', type: 'string', value: 'H', description: 'server host with --port. Defaults to 127.0.0.1' },
    { name: 'size', type: 'string', value: 'SIZE', description: 'payload size of each message, bytes or a unit string. Defaults to 5KB' },
    { name: 'count', type: 'string', value: 'N', description: 'stop after N messages. Defaults to 1000000' },
    { name: 'duration', type: 'string', value: 'S', description: 'stop after S seconds. Defaults to 10' },
    { name: 'in-flight', type: 'string', value: 'N', description: 'requests kept in flight. Defaults to 1' },
    { name: 'encrypt', type: 'boolean', description: 'encrypt the connection. Defaults to off' },
    { name: 'own-server', type: 'boolean', description: 'start a server in this process first, as Venice does. Defaults to off' },
    { name: 'progress', type: 'boolean', description: 'print progress on stderr even when it is not a terminal. Defaults to on for a terminal' },
    jsonOption('the result as JSON'),
  ],
  async run({ values: v, env }) {
    const flagUri = str(v, 'uri');
    const p = port(v);
    const host = str(v, 'host');
    if (flagUri !== undefined && (p !== undefined || host !== undefined)) throw new UsageError('give either --uri or --port/--host');
    const ownServer = v['own-server'] === true;
    const envUri = env[URI_ENV];
    const uri = flagUri ?? (p === undefined && host === undefined && !ownServer && envUri !== undefined && envUri !== '' ? envUri : undefined);
    const durationText = str(v, 'duration') ?? '10';
    const duration = Number(durationText);
    if (!(duration > 0) || !Number.isFinite(duration)) throw new UsageError(`--duration expects a positive number of seconds, got '${durationText}'`);
    const size = str(v, 'size') ?? '5KB';
    const showProgress = v['progress'] === true || process.stderr.isTTY;
    const opts: BenchmarkOptions = {
      ...(uri !== undefined ? { uri } : p !== undefined || !ownServer ? { port: p ?? 33333, ...(host !== undefined ? { host } : {}) } : {}),
      msgSize: /^[0-9]+$/.test(size) ? Number(size) : size,
      msgCount: int(v, 'count') ?? 1_000_000,
      durationSeconds: duration,
      inFlight: int(v, 'in-flight') ?? 1,
      encrypt: v['encrypt'] === true,
      startServer: ownServer,
      ...(showProgress ? { onProgress: (pr: BenchmarkProgress) => process.stderr.write(progressLine(pr) + '\n') } : {}),
    };
    const r = await benchmark(opts);
    if (v['json'] === true) {
      process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      return EXIT.OK;
    }
    process.stdout.write(
      `${r.summary}\nIn flight:        ${r.params.inFlight}\nLatency p50/p99:  ${fmtMs(r.latencyP50Millis)} / ${fmtMs(r.latencyP99Millis)} ms\n`,
    );
    return EXIT.OK;
  },
};
