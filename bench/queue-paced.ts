/**
 * Paced queue latency (issue 11): one producer process offers 1000-byte messages at a fixed rate
 * (5,000 msgs/s by default, at most 64 offers in flight), one consumer process keeps 64 polls
 * waiting; reports the offer → poll latency p50 / p99 (producer clock at offer → consumer clock
 * when the poll answers). The baseline in the same run is the raw one-hop `node:net` relay paced
 * at the same rate (`bench/lib/stream.ts`), so the ratio says how much of the tail is ours.
 *
 * Used by the `queue` section of `npm run bench`; standalone:
 *   npm run build && node dist/bench/queue-paced.js [--rate 5000] [--seconds 4]
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { binaryMessage, connect, createServer } from '../src/index.js';
import { installCleanupHandlers } from './lib/cleanup.js';
import { consumer, QUEUE_IN_FLIGHT } from './queue.js';
import { goSignal, rawStream, roleChild, runRoles, wallNow, type RoleResult, type StreamFigures } from './lib/stream.js';

const SIZE = 1000;
const IN_FLIGHT = QUEUE_IN_FLIGHT;
const QUEUE = 'paced';
const SELF = fileURLToPath(import.meta.url);

/** Offers `count` messages at `rate` msgs/s (timer-paced, catching up after a late timer). */
async function producer(uri: string, count: number, rate: number): Promise<void> {
  const client = await connect({ uri });
  await goSignal();
  const start = wallNow();
  const t0 = performance.now();
  let sent = 0;
  let answered = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      const allowed = Math.min(count, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
      while (sent < allowed && sent - answered < IN_FLIGHT) {
        sent++;
        const data = Buffer.alloc(SIZE);
        data.writeDoubleLE(wallNow(), 0);
        client.offer(QUEUE, binaryMessage(null, QUEUE, 'application/octet-stream', data), { timeout: 5000 }).then((res) => {
          if (!res.responseOk) reject(new Error(`offer: ${res.status}`));
          else if (++answered === count) resolve();
        }, reject);
      }
      if (sent < count) setTimeout(pump, 1);
    };
    pump();
  });
  await client.close();
  process.stdout.write(JSON.stringify({ start } satisfies RoleResult) + '\n');
}

/** Result of {@link queuePacedBench}. */
export interface QueuePacedResult {
  readonly rate: number;
  readonly count: number;
  readonly queue: StreamFigures;
  readonly raw: StreamFigures;
}

/** One paced raw run and one paced queue run of `seconds` each. */
export async function queuePacedBench(rate: number, seconds: number, progress: (s: string) => void = () => undefined): Promise<QueuePacedResult> {
  const count = Math.max(1, Math.round(rate * seconds));
  progress(`queue: paced ${rate} msgs/s: raw net, ${count} × ${SIZE} B`);
  const raw = await rawStream(count, 1, SIZE, rate);
  await using server = await createServer({ port: 0 });
  await server.createQueue(QUEUE, { capacity: 10_000 });
  progress(`queue: paced ${rate} msgs/s: offer/poll, ${count} × ${SIZE} B`);
  const prod = roleChild(SELF, ['producer', server.uri, String(count), String(rate)]);
  const cons = roleChild(SELF, ['consumer', server.uri, String(count)]);
  const queue = await runRoles(prod, [cons], count);
  return { rate, count, queue, raw };
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const r = await queuePacedBench(Number(arg('--rate', '5000')), Number(arg('--seconds', '4')), (s) => process.stderr.write(`${s}\n`));
  for (const [name, f] of [['raw net (1 hop relay)', r.raw], ['queue offer/poll', r.queue]] as const) {
    console.log(`${name.padEnd(24)} paced ${r.rate}/s   p50 ${f.p50.toFixed(3)} ms   p99 ${f.p99.toFixed(3)} ms   (${f.count} x ${SIZE} B)`);
  }
}

if (process.argv[1] === SELF) {
  const [role, target, n, rate] = process.argv.slice(2);
  const run =
    role === 'producer' ? producer(target!, Number(n), Number(rate)) : role === 'consumer' ? consumer(target!, Number(n), QUEUE) : main();
  run.catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
