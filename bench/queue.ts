/**
 * Queue throughput benchmark (issue 3): 1000-byte messages, one producer process and one
 * consumer process, 64 offers and 64 polls in flight, against a server in this process; plus the
 * raw-net baseline in the same run (the producer's bytes relayed to the consumer through one TCP
 * hop, no protocol, `bench/lib/stream.ts`). Reports msgs/s and offer→poll latency p50/p99
 * (clocks: performance.timeOrigin + now, shared by processes on one machine).
 *
 * Used by the `queue` section of `npm run bench`; standalone:
 *   npm run build && node dist/bench/queue.js [--count N] [--rounds R]
 */
import { fileURLToPath } from 'node:url';
import { binaryMessage, connect, createServer } from '../src/index.js';
import { installCleanupHandlers } from './lib/cleanup.js';
import { goSignal, rawStream, roleChild, runRoles, wallNow, type RoleResult, type StreamFigures } from './lib/stream.js';

/** Message size of the benchmark. */
export const QUEUE_MESSAGE_SIZE = 1000;
/** Offers (and polls) in flight. */
export const QUEUE_IN_FLIGHT = 64;
const SELF = fileURLToPath(import.meta.url);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

async function producer(uri: string, count: number): Promise<void> {
  const client = await connect({ uri });
  const payload = Buffer.alloc(QUEUE_MESSAGE_SIZE);
  let next = 0;
  await goSignal();
  const start = wallNow();
  await Promise.all(
    Array.from({ length: QUEUE_IN_FLIGHT }, async () => {
      while (next < count) {
        next++;
        payload.writeDoubleLE(wallNow(), 0);
        const res = await client.offer('bench', binaryMessage(null, 'bench', 'application/octet-stream', Buffer.from(payload)), { timeout: 5000 });
        if (!res.responseOk) throw new Error(`offer: ${res.status}`);
      }
    }),
  );
  await client.close();
  process.stdout.write(JSON.stringify({ start } satisfies RoleResult) + '\n');
}

/** The consumer role: `QUEUE_IN_FLIGHT` polls of `queue` waiting until `count` messages came; prints its RoleResult. */
export async function consumer(uri: string, count: number, queue = 'bench'): Promise<void> {
  const client = await connect({ uri });
  const latencies: number[] = [];
  let end = 0;
  await goSignal();
  await Promise.all(
    Array.from({ length: QUEUE_IN_FLIGHT }, async () => {
      while (latencies.length < count) {
        const res = await client.poll(queue, { timeout: 200 });
        if (res.responseOk && latencies.length < count) {
          const now = wallNow();
          latencies.push(now - res.data.readDoubleLE(0));
          if (latencies.length === count) end = now; // not after the other polls time out
        }
      }
    }),
  );
  await client.close();
  process.stdout.write(JSON.stringify({ end, latencies } satisfies RoleResult) + '\n');
}

/** One side of the queue bench, the best of its rounds. */
export interface QueueFigures {
  /** msgs/s from the producer's first offer to the consumer's last poll. */
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly count: number;
  /** Every round's msgs/s. */
  readonly rounds: readonly number[];
}

/** Result of {@link queueBench}. */
export interface QueueBenchResult {
  readonly messageSize: number;
  readonly inFlight: number;
  readonly queue: QueueFigures;
  readonly raw: QueueFigures;
  /** queue.rate / raw.rate. */
  readonly ratio: number;
}

function bestOf(figs: readonly StreamFigures[]): QueueFigures {
  const rate = (f: StreamFigures): number => f.perConsumer[0] ?? 0;
  const b = figs.reduce((a, f) => (rate(f) > rate(a) ? f : a));
  return { rate: rate(b), p50: b.p50, p99: b.p99, count: b.count, rounds: figs.map(rate) };
}

/**
 * Runs `rounds` rounds of `count` messages each, alternating the raw baseline and the queue
 * (offer/poll through a server in this process); reports the best round of each.
 */
export async function queueBench(count: number, rounds: number, progress: (s: string) => void = () => undefined): Promise<QueueBenchResult> {
  await using server = await createServer({ port: 0 });
  await server.createQueue('bench', { capacity: 10_000 });
  const raw: StreamFigures[] = [];
  const queue: StreamFigures[] = [];
  for (let r = 1; r <= rounds; r++) {
    progress(`queue: round ${r}/${rounds}: raw net, ${count} × ${QUEUE_MESSAGE_SIZE} B`);
    raw.push(await rawStream(count, 1, QUEUE_MESSAGE_SIZE));
    progress(`queue: round ${r}/${rounds}: offer/poll, ${QUEUE_IN_FLIGHT} in flight`);
    const prod = roleChild(SELF, ['producer', server.uri, String(count)]);
    const cons = roleChild(SELF, ['consumer', server.uri, String(count)]);
    queue.push(await runRoles(prod, [cons], count));
    progress(`queue:   raw ${Math.round(raw.at(-1)?.perConsumer[0] ?? 0)} msg/s, queue ${Math.round(queue.at(-1)?.perConsumer[0] ?? 0)} msg/s`);
  }
  const q = bestOf(queue);
  const w = bestOf(raw);
  return { messageSize: QUEUE_MESSAGE_SIZE, inFlight: QUEUE_IN_FLIGHT, queue: q, raw: w, ratio: w.rate > 0 ? q.rate / w.rate : 0 };
}

function row(name: string, r: QueueFigures): void {
  console.log(
    `${name.padEnd(34)} ${String(Math.round(r.rate)).padStart(8)} msg/s   p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   (${r.count} x ${QUEUE_MESSAGE_SIZE} B)`,
  );
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const r = await queueBench(Number(arg('--count', '50000')), Number(arg('--rounds', '1')), (s) => process.stderr.write(`${s}\n`));
  row('raw net (1 hop relay)', r.raw);
  row(`queue offer/poll (${QUEUE_IN_FLIGHT} in flight)`, r.queue);
}

if (process.argv[1] === SELF) {
  const [role, target, n] = process.argv.slice(2);
  const run = role === 'producer' ? producer(target!, Number(n)) : role === 'consumer' ? consumer(target!, Number(n)) : main();
  run.catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
