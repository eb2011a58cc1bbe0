/**
 * Child process: one benchmark measurement.
 * `node dist/bench/client.js <venice|raw> <uri> <sizeBytes> <inFlight> <seconds> <warmupSeconds>`.
 * Prints one JSON line (a {@link Measurement}) on stdout.
 */
import { benchmark, parseUri } from '../src/index.js';
import type { Measurement } from './lib/harness.js';
import { runRawClient } from './lib/raw.js';
import { percentile } from './lib/stats.js';

async function main(): Promise<void> {
  const [kind, uri, sizeArg, inFlightArg, secondsArg, warmupArg] = process.argv.slice(2);
  if ((kind !== 'venice' && kind !== 'raw') || uri === undefined) {
    throw new Error('usage: client.js <venice|raw> <uri> <size> <inFlight> <seconds> <warmup>');
  }
  const size = Number(sizeArg);
  const inFlight = Number(inFlightArg ?? 1);
  const seconds = Number(secondsArg ?? 2);
  const warmup = Number(warmupArg ?? 0.5);
  let m: Measurement;
  if (kind === 'venice') {
    const run = (durationSeconds: number) =>
      benchmark({ uri, msgSize: size, msgCount: Number.MAX_SAFE_INTEGER, durationSeconds, inFlight, startServer: false });
    if (warmup > 0) await run(warmup);
    const cpu0 = process.cpuUsage();
    const r = await run(seconds);
    const cpu = process.cpuUsage(cpu0);
    m = {
      messageCount: r.messageCount,
      durationMillis: r.durationMillis,
      throughputMsgs: r.throughputMsgs,
      throughputMB: r.throughputMB,
      latencyP50Millis: r.latencyP50Millis,
      latencyP99Millis: r.latencyP99Millis,
      clientCpuMicrosPerMsg: (cpu.user + cpu.system) / Math.max(1, r.messageCount),
    };
  } else {
    const endpoint = parseUri(uri);
    if (warmup > 0) await runRawClient(endpoint, size, inFlight, warmup);
    const cpu0 = process.cpuUsage();
    const r = await runRawClient(endpoint, size, inFlight, seconds);
    const cpu = process.cpuUsage(cpu0);
    const secs = r.durationMillis / 1000;
    const sorted = r.latencies.sort();
    m = {
      messageCount: r.messageCount,
      durationMillis: r.durationMillis,
      throughputMsgs: r.messageCount / secs,
      throughputMB: (r.messageCount * size) / (1024 * 1024) / secs,
      latencyP50Millis: percentile(sorted, 0.5),
      latencyP99Millis: percentile(sorted, 0.99),
      clientCpuMicrosPerMsg: (cpu.user + cpu.system) / Math.max(1, r.messageCount),
    };
  }
  process.stdout.write(JSON.stringify(m) + '\n');
}

main().catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  process.stderr.write(`bench client: ${e.code ?? ''} ${e.message ?? String(err)}\n`);
  process.exit(1);
});
