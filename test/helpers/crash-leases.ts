/**
 * Crash-test driver for at-least-once consumption: a `venice-ipc serve` child with a WAL gets
 * durable offers from several producers while consumer child processes poll under leases and
 * ack; consumers are SIGKILLed and restarted at random, then the server is SIGKILLed, restarted
 * on the same directory and drained. Every acknowledged offer must have been acked by a
 * consumer or be recovered (0 lost); a poison message that every consumer nacks ends in the
 * dead-letter queue after `maxDeliveries`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connect, deadLetterOf, plainTextMessage, type Client } from '../../src/index.js';
import { startCliServer, type CliServer } from './cli.js';

const QUEUE = 'q';
const DLQ = 'q-dlq';
const CONSUMER = fileURLToPath(new URL('./lease-consumer.js', import.meta.url));
/** Deliveries after which the poison message is dead-lettered. */
export const CRASH_MAX_DELIVERIES = 3;

/** Counts over all iterations. */
export interface LeaseCrashCounts {
  iterations: number;
  offered: number;
  /** Offers answered OK before the kill. */
  acknowledged: number;
  /** Distinct messages consumers received. */
  delivered: number;
  /** Receipts of a message already received before (lease ran out, consumer killed, restart). */
  redelivered: number;
  /** Messages whose ack was answered. */
  acked: number;
  /** Messages recovered after the server restart. */
  recovered: number;
  /** Recovered messages whose ack had been answered (the ACK was not yet synced): duplicates. */
  duplicated: number;
  /** Acks whose sender was killed before the answer (the message may be gone or come back). */
  acksInDoubt: number;
  /** Acknowledged offers neither acked by a consumer nor recovered: must be 0. */
  lost: number;
  /** Consumer processes SIGKILLed. */
  consumersKilled: number;
  /** Poison messages found in the dead-letter queue. */
  deadLetters: number;
  /** Dead letters whose count is not maxDeliveries, or poison messages neither dead nor recovered: must be 0. */
  deadLetterProblems: number;
}

/** Options of {@link runLeaseCrashIterations}. */
export interface LeaseCrashOptions {
  readonly seconds: number;
  readonly maxIterations?: number;
  readonly producers?: number;
  readonly inFlight?: number;
  readonly consumers?: number;
  /** Lease of the consumers, ms. Defaults to 300. */
  readonly lease?: number;
  readonly killAfterMs?: readonly [number, number];
  readonly log?: (line: string) => void;
}

interface Consumer {
  child: ChildProcess;
  exited: Promise<unknown>;
}

interface Record {
  sent: Set<string>;
  acked: Set<string>;
  received: Map<string, number>;
  ackedByConsumer: Set<string>;
  /** Acks sent (the sender may have been killed before it saw the answer). */
  ackSent: Set<string>;
  poison: Set<string>;
  consumersKilled: number;
}

function startConsumer(uri: string, lease: number, rec: Record): Promise<Consumer> {
  const child = spawn(process.execPath, [CONSUMER, '--uri', uri, '--queue', QUEUE, '--lease', String(lease)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'close');
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const [kind, id, n] = line.split(' ');
      if (kind === 'READY') resolve({ child, exited });
      else if (kind === 'R' && id !== undefined) rec.received.set(id, (rec.received.get(id) ?? 0) + 1 + 0 * Number(n));
      else if (kind === 'A' && id !== undefined) rec.ackedByConsumer.add(id);
      else if (kind === 'S' && id !== undefined) rec.ackSent.add(id);
    });
    exited.then(() => reject(new Error('consumer exited before it was ready')), reject);
  });
}

function kill(c: Consumer): Promise<unknown> {
  if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  return c.exited;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function declare(uri: string): Promise<void> {
  const c = await connect({ uri, timeout: 10_000 });
  try {
    // Limits are not kept in the log: declared again after every start.
    await c.createQueue(QUEUE, 100_000, { durable: true, maxDeliveries: CRASH_MAX_DELIVERIES });
  } finally {
    await c.close();
  }
}

async function loadAndKill(server: CliServer, o: Required<Omit<LeaseCrashOptions, 'log' | 'maxIterations'>>, firstSeq: number): Promise<Record> {
  const rec: Record = { sent: new Set(), acked: new Set(), received: new Map(), ackedByConsumer: new Set(), ackSent: new Set(), poison: new Set(), consumersKilled: 0 };
  const producers: Client[] = [];
  const consumers: Consumer[] = [];
  const exited = once(server.child, 'close');
  try {
    await declare(server.uri);
    for (let i = 0; i < o.producers; i++) producers.push(await connect({ uri: server.uri, timeout: 10_000 }));
    for (let i = 0; i < o.consumers; i++) consumers.push(await startConsumer(server.uri, o.lease, rec));
    const workers: Promise<void>[] = [];
    for (let p = 0; p < o.producers; p++) {
      const c = producers[p]!;
      let next = firstSeq;
      for (let w = 0; w < o.inFlight; w++) {
        workers.push((async () => {
          for (;;) {
            const seq = next++;
            const id = `p${p}:${seq}`;
            const body = seq % 97 === 0 && p === 0 ? 'poison' : 'x'.repeat(200);
            if (body === 'poison') rec.poison.add(id);
            const offer = c.offer(QUEUE, plainTextMessage(id, 'crash', body, { durable: true }), { timeout: 0 });
            rec.sent.add(id);
            const r = await offer.catch(() => undefined);
            if (r === undefined) return;
            if (r.responseOk) rec.acked.add(id);
            else if (r.status === 'QUEUE_FULL') return;
          }
        })());
      }
    }
    const [lo, hi] = o.killAfterMs;
    // Random delays before the kills are the point of the test, not a synchronisation.
    const total = lo + Math.random() * (hi - lo);
    await delay(total / 2);
    const victim = Math.floor(Math.random() * consumers.length);
    await kill(consumers[victim]!);
    rec.consumersKilled++;
    consumers[victim] = await startConsumer(server.uri, o.lease, rec);
    await delay(total / 2);
    server.child.kill('SIGKILL');
    await exited;
    await Promise.all(workers);
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await Promise.all(consumers.map(kill));
    await Promise.all(producers.map((c) => c.close().catch(() => undefined)));
  }
  return rec;
}

/** Everything left in a queue, by request id (plain polls: nothing is leased any more). */
async function drain(uri: string, queue: string): Promise<{ id: string; deliveries: number | undefined }[]> {
  const c = await connect({ uri, timeout: 10_000 });
  try {
    const out: { id: string; deliveries: number | undefined }[] = [];
    for (;;) {
      const batch = await Promise.all(Array.from({ length: 64 }, () => c.poll(queue, { timeout: 0 })));
      for (const r of batch) if (r.responseOk) out.push({ id: r.requestId ?? '?', deliveries: deadLetterOf(r)?.deliveries });
      if (batch.some((r) => r.status !== 'OK')) return out;
    }
  } finally {
    await c.close();
  }
}

/** Runs iterations for `seconds` (at least one); resolves with the counts and the problems found. */
export async function runLeaseCrashIterations(opts: LeaseCrashOptions): Promise<{ counts: LeaseCrashCounts; problems: string[] }> {
  const o = {
    producers: opts.producers ?? 2,
    inFlight: opts.inFlight ?? 8,
    consumers: opts.consumers ?? 2,
    lease: opts.lease ?? 300,
    killAfterMs: opts.killAfterMs ?? ([300, 900] as const),
    seconds: opts.seconds,
  };
  const t: LeaseCrashCounts = {
    iterations: 0, offered: 0, acknowledged: 0, delivered: 0, redelivered: 0, acked: 0, acksInDoubt: 0, recovered: 0, duplicated: 0, lost: 0,
    consumersKilled: 0, deadLetters: 0, deadLetterProblems: 0,
  };
  const problems: string[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'vipc-lease-crash-'));
  const deadline = Date.now() + opts.seconds * 1000;
  const start = (): Promise<CliServer> => startCliServer(['--port', '0', '--handler', 'none', '--wal-dir', dir]);
  let server: CliServer | undefined;
  try {
    server = await start();
    await declare(server.uri);
    let seq = 0;
    while (t.iterations < (opts.maxIterations ?? Infinity) && (t.iterations === 0 || Date.now() < deadline)) {
      const rec = await loadAndKill(server, o, seq);
      seq += 1_000_000;
      server = await start();
      const recovered = new Set((await drain(server.uri, QUEUE)).map((e) => e.id));
      const dead = await drain(server.uri, DLQ);
      t.iterations++;
      t.offered += rec.sent.size;
      t.acknowledged += rec.acked.size;
      t.delivered += rec.received.size;
      for (const n of rec.received.values()) t.redelivered += n - 1;
      t.acked += rec.ackedByConsumer.size;
      t.recovered += recovered.size;
      t.consumersKilled += rec.consumersKilled;
      for (const id of rec.ackedByConsumer) if (recovered.has(id)) t.duplicated++;
      const deadIds = new Set(dead.map((d) => d.id));
      for (const id of rec.ackSent) if (!rec.ackedByConsumer.has(id)) t.acksInDoubt++;
      for (const id of rec.acked) {
        if (rec.ackSent.has(id) || recovered.has(id) || deadIds.has(id)) continue;
        t.lost++;
        problems.push(`iteration ${t.iterations}: acknowledged offer ${id} lost`);
      }
      for (const d of dead) {
        t.deadLetters++;
        if (!rec.poison.has(d.id) || d.deliveries !== CRASH_MAX_DELIVERIES) {
          t.deadLetterProblems++;
          problems.push(`iteration ${t.iterations}: unexpected dead letter ${d.id} (deliveries ${String(d.deliveries)})`);
        }
      }
      opts.log?.(`iteration ${t.iterations}: acknowledged ${rec.acked.size}/${rec.sent.size}, delivered ${rec.received.size}, acked ${rec.ackedByConsumer.size}, recovered ${recovered.size}, dead ${dead.length}`);
    }
  } finally {
    if (server !== undefined && server.child.exitCode === null && server.child.signalCode === null) {
      const closed = once(server.child, 'close');
      server.child.kill('SIGKILL');
      await closed;
    }
    await rm(dir, { recursive: true, force: true });
  }
  return { counts: t, problems };
}
