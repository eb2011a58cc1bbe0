/**
 * Crash-test driver for durable queues (shared by test/durable/crash.test.ts and soak/): a
 * `venice-ipc serve` child with a WAL receives durable offers from several producers (many in
 * flight) while a consumer polls; the child is SIGKILLed at a random moment and restarted on the
 * same directory, and everything left in the queue is polled and checked against what the
 * clients saw acknowledged before the kill.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, plainTextMessage, type Client } from '../../src/index.js';
import { startCliServer, type CliServer } from './cli.js';

const QUEUE = 'q';

/** Counts over all iterations. */
export interface CrashCounts {
  iterations: number;
  /** Offers sent (acknowledged or not). */
  offered: number;
  /** Offers answered OK before the kill. */
  acknowledged: number;
  /** Polls answered OK before the kill (messages the consumer received). */
  polledAcknowledged: number;
  /** Messages found in the queue after the restart. */
  recovered: number;
  /** Recovered messages whose offer had not been acknowledged (allowed: synced, answer lost). */
  recoveredUnacknowledged: number;
  /** Polls unanswered at the kill (each may have consumed one message: at-most-once delivery). */
  pollsInFlight: number;
  /** Acknowledged offers neither received by the consumer nor recovered. */
  missing: number;
  /** `missing` beyond what the unanswered polls explain: must be 0. */
  lost: number;
  /** Recovered twice, or recovered although the consumer received it: must be 0. */
  duplicated: number;
  /** Per-producer order violations (recovered or received out of sequence): must be 0. */
  outOfOrder: number;
  /** Recovered messages no producer ever sent: must be 0. */
  unknown: number;
}

/** Options of {@link runCrashIterations}. */
export interface CrashOptions {
  /** Stop starting new iterations after this many seconds. */
  readonly seconds: number;
  /** Upper bound on iterations. Defaults to no bound. */
  readonly maxIterations?: number;
  /** Producer connections. Defaults to 4. */
  readonly producers?: number;
  /** Offers in flight per producer. Defaults to 16. */
  readonly inFlight?: number;
  /** Random kill delay range in ms after the load starts. Defaults to [100, 700]. */
  readonly killAfterMs?: readonly [number, number];
  /** Progress output. Defaults to none. */
  readonly log?: (line: string) => void;
}

const zero = (): CrashCounts => ({
  iterations: 0, offered: 0, acknowledged: 0, polledAcknowledged: 0, recovered: 0, recoveredUnacknowledged: 0,
  pollsInFlight: 0, missing: 0, lost: 0, duplicated: 0, outOfOrder: 0, unknown: 0,
});

/** What the clients saw during one load phase. */
interface LoadRecord {
  sent: Set<string>;
  acked: Set<string>;
  /** Ids received by the consumer, in order. */
  polled: string[];
  pollsInFlight: number;
}

const idOf = (p: number, seq: number): string => `p${p}:${seq}`;
function parseId(id: string): { p: number; seq: number } | undefined {
  const m = /^p(\d+):(\d+)$/.exec(id);
  return m === null ? undefined : { p: Number(m[1]), seq: Number(m[2]) };
}

async function startServer(dir: string): Promise<CliServer> {
  return startCliServer(['--port', '0', '--handler', 'none', '--wal-dir', dir, '--queue', `${QUEUE}:100000:bounded:durable`]);
}

/** Runs load against `server`, SIGKILLs it after a random delay, waits for every client call to settle. */
async function loadAndKill(server: CliServer, o: Required<Omit<CrashOptions, 'log' | 'maxIterations'>>, firstSeq: number): Promise<LoadRecord> {
  const rec: LoadRecord = { sent: new Set(), acked: new Set(), polled: [], pollsInFlight: 0 };
  const clients: Client[] = [];
  const exited = once(server.child, 'close');
  try {
    for (let i = 0; i <= o.producers; i++) clients.push(await connect({ uri: server.uri, timeout: 10_000 }));
    const body = 'x'.repeat(200);
    const workers: Promise<void>[] = [];
    for (let p = 0; p < o.producers; p++) {
      const c = clients[p] as Client;
      let next = firstSeq;
      for (let w = 0; w < o.inFlight; w++) {
        workers.push((async () => {
          for (;;) {
            const id = idOf(p, next++); // taken and sent in the same tick: send order = seq order
            const offer = c.offer(QUEUE, plainTextMessage(id, 'crash', body).with({ durable: true }), { timeout: 0 });
            rec.sent.add(id);
            const r = await offer.catch(() => undefined);
            if (r === undefined) return; // connection gone: the server was killed
            if (r.responseOk) rec.acked.add(id);
          }
        })());
      }
    }
    const consumer = clients[o.producers] as Client;
    for (let w = 0; w < 4; w++) workers.push((async () => {
      for (;;) {
        rec.pollsInFlight++;
        const r = await consumer.poll(QUEUE, { timeout: 50 }).catch(() => undefined);
        if (r === undefined) return; // stays counted as in flight
        rec.pollsInFlight--;
        if (r.responseOk && r.requestId !== null) rec.polled.push(r.requestId);
      }
    })());
    const [lo, hi] = o.killAfterMs;
    // A random delay before the kill is the point of the test, not a synchronisation.
    await new Promise((r) => setTimeout(r, lo + Math.random() * (hi - lo)));
    server.child.kill('SIGKILL');
    await exited;
    await Promise.all(workers);
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
  return rec;
}

/** Polls everything left (64 polls in flight, in order) and returns the ids in queue order. */
async function drain(server: CliServer): Promise<string[]> {
  const c = await connect({ uri: server.uri, timeout: 10_000 });
  try {
    const out: string[] = [];
    for (;;) {
      const batch = await Promise.all(Array.from({ length: 64 }, () => c.poll(QUEUE, { timeout: 0 })));
      for (const r of batch) if (r.responseOk) out.push(r.requestId ?? '?');
      if (batch.some((r) => r.status === 'QUEUE_EMPTY')) return out;
      const bad = batch.find((r) => !r.responseOk);
      if (bad !== undefined) throw new Error(`drain poll answered ${bad.status}: ${bad.text}`);
    }
  } finally {
    await c.close();
  }
}

/** Checks one iteration and adds its counts to `t`; returns the problems found. */
function check(rec: LoadRecord, recovered: string[], t: CrashCounts): string[] {
  const problems: string[] = [];
  const received = new Set(rec.polled);
  const seen = new Set<string>();
  const lastSeq = new Map<number, number>();
  for (const id of rec.polled) {
    const k = parseId(id);
    if (k === undefined) continue;
    if ((lastSeq.get(k.p) ?? -1) >= k.seq) {
      problems.push(`received ${id} out of order`);
      t.outOfOrder++;
    }
    lastSeq.set(k.p, k.seq);
  }
  for (const id of recovered) {
    const k = parseId(id);
    if (k === undefined || !rec.sent.has(id)) {
      problems.push(`recovered unknown message ${id}`);
      t.unknown++;
      continue;
    }
    if (seen.has(id) || received.has(id)) {
      problems.push(`duplicate ${id}`);
      t.duplicated++;
    }
    seen.add(id);
    if ((lastSeq.get(k.p) ?? -1) >= k.seq) {
      problems.push(`recovered ${id} out of order`);
      t.outOfOrder++;
    }
    lastSeq.set(k.p, k.seq);
    if (!rec.acked.has(id)) t.recoveredUnacknowledged++;
  }
  let missing = 0;
  for (const id of rec.acked) if (!seen.has(id) && !received.has(id)) missing++;
  const lost = Math.max(0, missing - rec.pollsInFlight);
  if (lost > 0) problems.push(`${lost} acknowledged offer(s) lost (${missing} missing, ${rec.pollsInFlight} poll(s) in flight)`);
  t.iterations++;
  t.offered += rec.sent.size;
  t.acknowledged += rec.acked.size;
  t.polledAcknowledged += rec.polled.length;
  t.recovered += recovered.length;
  t.pollsInFlight += rec.pollsInFlight;
  t.missing += missing;
  t.lost += lost;
  return problems;
}

/**
 * Runs crash iterations until `seconds` have passed (at least one). The server restarted after
 * a kill is the next iteration's victim, so the log keeps growing across iterations.
 * Resolves with the counts and every problem found.
 */
export async function runCrashIterations(opts: CrashOptions): Promise<{ counts: CrashCounts; problems: string[] }> {
  const o = { producers: opts.producers ?? 4, inFlight: opts.inFlight ?? 16, killAfterMs: opts.killAfterMs ?? ([100, 700] as const), seconds: opts.seconds };
  const counts = zero();
  const problems: string[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'vipc-crash-'));
  const deadline = Date.now() + opts.seconds * 1000;
  let server: CliServer | undefined;
  try {
    server = await startServer(dir);
    let seq = 0;
    while (counts.iterations < (opts.maxIterations ?? Infinity) && (counts.iterations === 0 || Date.now() < deadline)) {
      const rec = await loadAndKill(server, o, seq);
      seq += 1_000_000; // fresh sequence numbers per iteration: ids never repeat
      server = await startServer(dir);
      const recovered = await drain(server);
      const found = check(rec, recovered, counts);
      problems.push(...found.map((p) => `iteration ${counts.iterations}: ${p}`));
      opts.log?.(
        `iteration ${counts.iterations}: acknowledged ${rec.acked.size}/${rec.sent.size}, received ${rec.polled.length}, recovered ${recovered.length}, problems ${found.length}`,
      );
    }
  } finally {
    if (server !== undefined && server.child.exitCode === null && server.child.signalCode === null) {
      const closed = once(server.child, 'close');
      server.child.kill('SIGKILL');
      await closed;
    }
    await rm(dir, { recursive: true, force: true });
  }
  return { counts, problems };
}
