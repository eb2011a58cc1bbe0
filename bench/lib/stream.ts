/**
 * The raw `node:net` streaming baseline of the queue and fan-out sections: a producer process
 * streams fixed-size records (its wall clock in the first 8 bytes) through a relay in the parent
 * to one or more consumer processes, with no protocol at all. Consumers measure per-record
 * latency (producer clock → consumer clock, same host) and report when they got the last one.
 *
 * Also the generic "role child" plumbing shared with the queue section: a child prints `ready`
 * once set up, starts on `go` on stdin, and prints one JSON line with its result.
 *
 *   node dist/bench/lib/stream.js <raw-producer|raw-consumer> <port> <count> [recordSize]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect as netConnect, createServer as netServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { trackChild } from './cleanup.js';
import { percentile } from './stats.js';

const SELF = fileURLToPath(import.meta.url);

/** Wall clock in ms with sub-ms resolution, comparable between processes on one machine. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

/** What a role child prints as its last line. */
export interface RoleResult {
  /** Producer: wall time of its first send. */
  readonly start?: number;
  /** Consumer: wall time it received its `count`-th record. */
  readonly end?: number;
  /** Consumer: offer/publish → receive latencies, ms. */
  readonly latencies?: number[];
}

/** A role child: resolves `ready` once it printed `ready`, starts on `go()`, `result` is its JSON line. */
export interface RoleChild {
  readonly ready: Promise<void>;
  go(): void;
  readonly result: Promise<RoleResult>;
  kill(): void;
}

/** Children print `ready`, then wait for a line on stdin before they start. */
export async function goSignal(): Promise<void> {
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
}

/** Starts `script` (an absolute path) with `args` as a role child; the child is tracked for cleanup. */
export function roleChild(script: string, args: readonly string[], timeoutMs = 120_000): RoleChild {
  const p = trackChild(spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
  let out = '';
  let err = '';
  let readyResolve!: () => void;
  let readyReject!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  p.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    if (out.startsWith('ready\n')) readyResolve();
  });
  p.stderr.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-4000);
  });
  p.stdin.on('error', () => undefined);
  const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  const result = new Promise<RoleResult>((resolve, reject) =>
    p.once('close', (code, signal) => {
      clearTimeout(timer);
      const e = new Error(`${args[0] ?? script} exited with ${code ?? signal}: ${err.trim()}`);
      readyReject(e);
      if (code !== 0) return reject(e);
      try {
        resolve(JSON.parse(out.split('\n')[1] ?? '{}') as RoleResult);
      } catch {
        reject(new Error(`${args[0] ?? script}: no JSON result`));
      }
    }),
  );
  ready.catch(() => undefined);
  result.catch(() => undefined);
  return { ready, go: () => p.stdin.end('go\n'), result, kill: () => p.kill('SIGKILL') };
}

/** Throughput and latency of one producer → consumer(s) run. */
export interface StreamFigures {
  /** Records per second per consumer (count / (consumer's end − producer's start)); one entry per consumer. */
  readonly perConsumer: readonly number[];
  readonly p50: number;
  readonly p99: number;
  readonly count: number;
}

/** Starts the producer and consumers, waits until all are ready, starts consumers first, collects the figures. */
export async function runRoles(producer: RoleChild, consumers: readonly RoleChild[], count: number): Promise<StreamFigures> {
  const all = [producer, ...consumers];
  try {
    await Promise.all(all.map((c) => c.ready));
    for (const c of consumers) c.go();
    producer.go();
    const [p, ...cs] = await Promise.all(all.map((c) => c.result));
    const start = p?.start ?? 0;
    const lat = cs.flatMap((c) => c.latencies ?? []).sort((a, b) => a - b);
    return {
      perConsumer: cs.map((c) => count / (((c.end ?? 0) - start) / 1000)),
      p50: percentile(lat, 0.5),
      p99: percentile(lat, 0.99),
      count,
    };
  } finally {
    for (const c of all) c.kill(); // no-op for children that already exited
  }
}

/**
 * The raw baseline: a relay on 127.0.0.1 that waits for `consumers` connections, then pipes
 * everything the next connection (the producer) sends to all of them (with backpressure, so
 * nothing is dropped), then runs the producer and consumer children. With `rate` > 0 the
 * producer writes at that many records per second (timer-paced) instead of as fast as it can.
 */
export async function rawStream(count: number, consumers: number, recordSize: number, rate = 0): Promise<StreamFigures> {
  const subs: Socket[] = [];
  let allSubscribed!: () => void;
  const subscribed = new Promise<void>((r) => (allSubscribed = r));
  const relay: Server = netServer({ noDelay: true }, (s) => {
    s.on('error', () => undefined);
    if (subs.length < consumers) {
      subs.push(s);
      if (subs.length === consumers) allSubscribed();
      return;
    }
    for (const sub of subs) s.pipe(sub);
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  const port = String((relay.address() as { port: number }).port);
  try {
    const cons = Array.from({ length: consumers }, () => roleChild(SELF, ['raw-consumer', port, String(count), String(recordSize)]));
    await Promise.all(cons.map((c) => c.ready));
    // the relay must know every consumer before the producer connects
    await Promise.race([subscribed, new Promise((_, rej) => setTimeout(() => rej(new Error('raw consumers did not connect')), 10_000).unref())]);
    const prod = roleChild(SELF, ['raw-producer', port, String(count), String(recordSize), String(rate)]);
    return await runRoles(prod, cons, count);
  } finally {
    relay.close();
    for (const s of subs) s.destroy();
  }
}

async function rawProducer(port: number, count: number, size: number, rate: number): Promise<void> {
  const s = netConnect({ port, host: '127.0.0.1', noDelay: true });
  await once(s, 'connect');
  await goSignal();
  const start = wallNow();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    if (rate > 0 && i >= Math.floor(((performance.now() - t0) / 1000) * rate) + 1) {
      await new Promise((r) => setTimeout(r, 1)); // paced: wait for the next slot
      i--;
      continue;
    }
    const b = Buffer.alloc(size);
    b.writeDoubleLE(wallNow(), 0);
    if (!s.write(b)) await once(s, 'drain');
  }
  s.end();
  process.stdout.write(JSON.stringify({ start } satisfies RoleResult) + '\n');
}

async function rawConsumer(port: number, count: number, size: number): Promise<void> {
  const s = netConnect({ port, host: '127.0.0.1', noDelay: true });
  await once(s, 'connect');
  await goSignal();
  const latencies: number[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let end = 0;
  for await (const chunk of s as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : (Buffer.concat([pending, chunk]) as Buffer);
    let off = 0;
    const now = wallNow();
    for (; off + size <= pending.length; off += size) latencies.push(now - pending.readDoubleLE(off));
    pending = pending.subarray(off);
    if (latencies.length >= count) {
      end = now;
      break;
    }
  }
  s.destroy();
  process.stdout.write(JSON.stringify({ end, latencies } satisfies RoleResult) + '\n');
}

if (process.argv[1] === SELF) {
  const [role, port, n, size, rate] = process.argv.slice(2);
  const recordSize = Number(size ?? 1000);
  const run =
    role === 'raw-producer'
      ? rawProducer(Number(port), Number(n), recordSize, Number(rate ?? 0))
      : role === 'raw-consumer'
        ? rawConsumer(Number(port), Number(n), recordSize)
        : Promise.reject(new Error(`unknown role ${role}`));
  run.catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
