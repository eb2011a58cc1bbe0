/**
 * Queue throughput benchmark: 1000-byte messages, one producer process and one consumer
 * process, 64 offers and 64 polls in flight, against an in-process server; plus a raw-net
 * baseline (the producer's bytes relayed to the consumer through one TCP hop, no protocol).
 *   npm run build && node dist/bench/queue.js [--count N]
 * Prints msgs/s and offer→poll latency p50/p99 (clocks: performance.timeOrigin + now, shared
 * by processes on one machine).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer as netServer, connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { binaryMessage, connect, createServer } from '../src/index.js';

const SIZE = 1000;
const IN_FLIGHT = 64;
const now = (): number => performance.timeOrigin + performance.now();

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

interface ChildResult {
  start?: number;
  end?: number;
  latencies?: number[];
}

async function goSignal(): Promise<void> {
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
}

async function producer(uri: string, count: number): Promise<void> {
  const client = await connect({ uri });
  const payload = Buffer.alloc(SIZE);
  let next = 0;
  await goSignal();
  const start = now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        next++;
        payload.writeDoubleLE(now(), 0);
        const res = await client.offer('bench', binaryMessage(null, 'bench', 'application/octet-stream', Buffer.from(payload)), { timeout: 5000 });
        if (!res.responseOk) throw new Error(`offer: ${res.status}`);
      }
    }),
  );
  await client.close();
  process.stdout.write(JSON.stringify({ start } satisfies ChildResult) + '\n');
}

async function consumer(uri: string, count: number): Promise<void> {
  const client = await connect({ uri });
  const latencies: number[] = [];
  await goSignal();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (latencies.length < count) {
        const res = await client.poll('bench', { timeout: 200 });
        if (res.responseOk) latencies.push(now() - res.data.readDoubleLE(0));
      }
    }),
  );
  const end = now();
  await client.close();
  process.stdout.write(JSON.stringify({ end, latencies } satisfies ChildResult) + '\n');
}

async function rawProducer(port: number, count: number): Promise<void> {
  const s = netConnect({ port, host: '127.0.0.1', noDelay: true });
  await once(s, 'connect');
  await goSignal();
  const start = now();
  for (let i = 0; i < count; i++) {
    const b = Buffer.alloc(SIZE);
    b.writeDoubleLE(now(), 0);
    if (!s.write(b)) await once(s, 'drain');
  }
  s.end();
  process.stdout.write(JSON.stringify({ start } satisfies ChildResult) + '\n');
}

async function rawConsumer(port: number, count: number): Promise<void> {
  const s = netConnect({ port, host: '127.0.0.1', noDelay: true });
  await once(s, 'connect');
  await goSignal();
  const latencies: number[] = [];
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of s as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : (Buffer.concat([pending, chunk]) as Buffer);
    let off = 0;
    for (; off + SIZE <= pending.length; off += SIZE) latencies.push(now() - pending.readDoubleLE(off));
    pending = pending.subarray(off);
    if (latencies.length >= count) break;
  }
  const end = now();
  s.destroy();
  process.stdout.write(JSON.stringify({ end, latencies } satisfies ChildResult) + '\n');
}

function child(args: string[]): { ready: Promise<void>; go(): void; result: Promise<ChildResult> } {
  const p = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  p.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    if (out.startsWith('ready\n')) readyResolve();
  });
  const result = new Promise<ChildResult>((resolve, reject) =>
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.split('\n')[1] ?? '{}') as ChildResult) : reject(new Error(`child ${args[0]} exited ${code}`)))),
  );
  return { ready, go: () => p.stdin.end('go\n'), result };
}

async function pair(roles: [string, string], target: string, count: number): Promise<{ rate: number; p50: number; p99: number }> {
  const prod = child([roles[0], target, String(count)]);
  const cons = child([roles[1], target, String(count)]);
  await Promise.all([prod.ready, cons.ready]);
  cons.go();
  prod.go();
  const [p, c] = await Promise.all([prod.result, cons.result]);
  const l = (c.latencies ?? []).sort((a, b) => a - b);
  const q = (x: number): number => l[Math.min(l.length - 1, Math.floor(x * l.length))] ?? 0;
  return { rate: count / (((c.end ?? 0) - (p.start ?? 0)) / 1000), p50: q(0.5), p99: q(0.99) };
}

function row(name: string, r: { rate: number; p50: number; p99: number }, count: number): void {
  console.log(`${name.padEnd(34)} ${String(Math.round(r.rate)).padStart(8)} msg/s   p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   (${count} x ${SIZE} B)`);
}

async function main(): Promise<void> {
  const count = Number(arg('--count', '50000'));
  // raw-net baseline: producer → relay → consumer
  let consumerSocket: Socket | undefined;
  const waitingProducer: Socket[] = [];
  const relay = netServer({ noDelay: true }, (s) => {
    if (consumerSocket === undefined && waitingProducer.length === 0) {
      waitingProducer.push(s); // first connection: whichever comes first; pair on the second
      return;
    }
    const first = waitingProducer.shift() as Socket;
    // the socket that sends data is the producer; relay both ways without knowing which
    first.pipe(s);
    s.pipe(first);
    consumerSocket = s;
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  row('raw net (1 hop relay)', await pair(['raw-producer', 'raw-consumer'], String((relay.address() as { port: number }).port), count), count);
  relay.close();
  await using server = await createServer({ port: 0 });
  await server.createQueue('bench', { capacity: 10_000 });
  row(`queue offer/poll (${IN_FLIGHT} in flight)`, await pair(['producer', 'consumer'], server.uri, count), count);
}

const [role, target, n] = process.argv.slice(2);
const roles: Record<string, () => Promise<void>> = {
  producer: () => producer(target as string, Number(n)),
  consumer: () => consumer(target as string, Number(n)),
  'raw-producer': () => rawProducer(Number(target), Number(n)),
  'raw-consumer': () => rawConsumer(Number(target), Number(n)),
};
const run = role !== undefined ? roles[role] : undefined;
(run ?? main)().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
