/**
 * Durable offer benchmark (issue 6): 1000-byte durable messages offered by a client process to
 * a durable queue of an in-process server with a write-ahead log, at 1 and 64 offers in flight.
 *   npm run build && node dist/bench/durable.js [--seconds S] [--dir DIR] [--pair-only]
 * Rows, all in one run on the same disk:
 *   raw write+fdatasync   one 1000-byte record per write + fdatasync (the floor without batching)
 *   wal appendData        QueueLog.appendData directly (WAL cost alone, group commit)
 *   offer bounded         non-durable queue through client + server (request-path cost alone)
 *   offer durable         durable queue through client + server (what a user gets)
 * It also checks that no OFFER's OK left the server before its DATA record was fdatasynced: a
 * file-system wrapper records the ids written in each batch and marks them durable when the
 * batch's fdatasync returns; a wrapper around the OFFER handler checks every OK against that set.
 * Any violation fails the run (exit code 1). The 256-in-flight row shows how throughput grows
 * with concurrency once the request path, not the disk, is the limit.
 *
 * Used by the `durable` section of `npm run bench` ({@link durableBench}).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { binaryMessage, connect, createServer, type Client, type Message, type Server } from '../src/index.js';
import type { DispatchResult, RequestHandler, ServerCore } from '../src/server/core.js';
import { WAL_FEATURE, type WalFeature } from '../src/server/durable-queues.js';
import { QUEUE_FEATURE } from '../src/server/queues.js';
import { nodeFileSystem, openWriteAheadLog, type WalFile, type WalFileSystem } from '../src/wal/index.js';
import { installCleanupHandlers, removePath, trackChild, trackPath } from './lib/cleanup.js';
import { rawWriteSync } from './lib/raw-sync.js';
import { percentile } from './lib/stats.js';

const SIZE = 1000;
const SELF = fileURLToPath(import.meta.url);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

interface Row {
  name: string;
  count: number;
  seconds: number;
  latencies: number[];
  syncs?: number;
}

/** What kind of row: the raw baseline, the WAL alone, a memory queue through the server, a durable queue through the server. */
export type DurableRowKind = 'raw' | 'raw64' | 'wal' | 'memory' | 'durable' | 'pair';

/** One row of the durable bench. */
export interface DurableRow {
  readonly name: string;
  readonly kind: DurableRowKind;
  readonly inFlight: number;
  readonly count: number;
  readonly seconds: number;
  readonly msgsPerSec: number;
  /** Offer → OK (or write → fdatasync return) latency, ms. */
  readonly p50: number;
  readonly p99: number;
  /** fdatasync calls per message; null where nothing is synced. */
  readonly syncsPerMsg: number | null;
}

/** What one offer row's queue may hold (1000-byte messages; a row lasts `seconds`). */
const ROW_QUEUE_MAX_BYTES = 1024 * 1024 * 1024;

function toRow(r: Row, kind: DurableRowKind, inFlight: number): DurableRow {
  const l = Float64Array.from(r.latencies).sort();
  return {
    name: r.name,
    kind,
    inFlight,
    count: r.count,
    seconds: r.seconds,
    msgsPerSec: r.count / r.seconds,
    p50: percentile(l, 0.5),
    p99: percentile(l, 0.99),
    syncsPerMsg: r.syncs === undefined ? null : r.syncs / Math.max(1, r.count),
  };
}

function print(r: DurableRow): void {
  const spm = r.syncsPerMsg === null ? '     -' : r.syncsPerMsg.toFixed(4);
  console.log(
    `${r.name.padEnd(34)} ${String(Math.round(r.msgsPerSec)).padStart(8)} msgs/s   p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   syncs/msg ${spm}   (${r.count})`,
  );
}

/**
 * Client process: offers 1000-byte messages with `inFlight` outstanding for `seconds`, or with
 * `--consume` polls them (each of `inFlight` loops waits on the server for the next message).
 */
async function clientMain(): Promise<void> {
  const uri = arg('--client', '');
  const queue = arg('--queue', 'durable');
  const inFlight = Number(arg('--in-flight', '1'));
  const seconds = Number(arg('--seconds', '3'));
  const durable = process.argv.includes('--durable');
  const c = await connect({ uri, timeout: 30_000 });
  if (process.argv.includes('--consume')) return consumeMain(c, queue, inFlight);
  const payload = Buffer.alloc(SIZE, 0x61);
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const r = await c.offer(queue, binaryMessage(null, 'bench', 'application/octet-stream', payload, { durable }), { timeout: 5000 });
        if (!r.responseOk) throw new Error(`offer: ${r.status} ${r.text}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  await c.close();
  process.stdout.write(JSON.stringify({ count: latencies.length, seconds: elapsed, latencies }) + '\n');
}

/**
 * The consumer: `inFlight` loops poll (each waiting up to 250 ms on the server) until one of
 * them receives the end marker (topic `end`), which the orchestrator offers once the producer
 * is done; FIFO order means every offered message was handed out before it.
 */
async function consumeMain(c: Client, queue: string, inFlight: number): Promise<void> {
  const start = performance.now();
  let count = 0;
  let last = start;
  let done = false;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (!done) {
        const r = await c.poll(queue, { timeout: 250 });
        if (r.status === 'QUEUE_EMPTY') continue;
        if (!r.responseOk) throw new Error(`poll: ${r.status} ${r.text}`);
        if (r.topic === 'end') {
          done = true;
          return;
        }
        count++;
        last = performance.now();
      }
    }),
  );
  await c.close();
  process.stdout.write(JSON.stringify({ count, seconds: (last - start) / 1000, latencies: [] }) + '\n');
}

function runClient(uri: string, queue: string, inFlight: number, seconds: number, durable: boolean, consume = false): Promise<Row> {
  return new Promise((resolve, reject) => {
    const args = [SELF, '--client', uri, '--queue', queue, '--in-flight', String(inFlight), '--seconds', String(seconds)];
    if (durable) args.push('--durable');
    if (consume) args.push('--consume');
    const child = trackChild(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`durable bench client exited with ${code}: ${err.trim()}`));
      const r = JSON.parse(out) as { count: number; seconds: number; latencies: number[] };
      resolve({ name: '', ...r });
    });
  });
}

/** Records, per file, the DATA ids of each written batch and which of them an fdatasync made durable. */
class SyncTracker implements WalFileSystem {
  readonly durable = new Set<string>();
  async open(path: string, flags: 'r' | 'r+' | 'w'): Promise<WalFile> {
    const inner = await nodeFileSystem.open(path, flags);
    let written: string[] = [];
    return {
      writev: async (buffers, position) => {
        const n = await inner.writev(buffers, position);
        written.push(...dataIds(Buffer.concat(buffers as Uint8Array[]).subarray(0, n)));
        return n;
      },
      // The log's synchronous write path for small batches, as on the real file system.
      writevNow: (buffers, position) => {
        const n = inner.writevNow!(buffers, position);
        written.push(...dataIds(Buffer.concat(buffers as Uint8Array[]).subarray(0, n)));
        return n;
      },
      datasync: async () => {
        const batch = written;
        written = [];
        await inner.datasync();
        for (const id of batch) this.durable.add(id);
      },
      sync: () => inner.sync(),
      truncate: (len) => inner.truncate(len),
      close: () => inner.close(),
    };
  }
  readFile = (path: string): Promise<Buffer> => nodeFileSystem.readFile(path);
  readdir = (dir: string): Promise<string[]> => nodeFileSystem.readdir(dir);
  rename = (from: string, to: string): Promise<void> => nodeFileSystem.rename(from, to);
  unlink = (path: string): Promise<void> => nodeFileSystem.unlink(path);
  syncDir = (dir: string): Promise<void> => nodeFileSystem.syncDir(dir);
}

/** Ids of the DATA records (docs/wal.md: F7 57, type 02, flags, length, CRC, expiresAt, k, id) in `b`. */
function dataIds(b: Buffer): string[] {
  const ids: string[] = [];
  for (let off = 0; off + 12 <= b.length; ) {
    if (b[off] !== 0xf7 || b[off + 1] !== 0x57) break; // the file header of a new log, or a partial chunk
    const len = b.readUInt32BE(off + 4);
    if (b[off + 2] === 2) ids.push(b.toString('utf8', off + 22, off + 22 + b.readUInt16BE(off + 20)));
    off += 12 + len;
  }
  return ids;
}

/** Wraps the server's OFFER handler: counts OKs for durable messages whose record was not yet synced. */
function instrumentOffers(server: Server, tracker: SyncTracker): { checked: number; early: number } {
  const counts = { checked: 0, early: 0 };
  const feature = (server as unknown as ServerCore).features.get(QUEUE_FEATURE)!;
  const handlers = feature.handlers as Record<string, RequestHandler>;
  const offer = handlers['OFFER']!;
  const check = (req: Message, res: Message | null): Message | null => {
    if (res !== null && res.status === 'OK' && res.text.endsWith('(durable: true).')) {
      counts.checked++;
      if (!tracker.durable.has(req.id)) counts.early++;
    }
    return res;
  };
  handlers['OFFER'] = (ctx, msg): DispatchResult => {
    const r = offer(ctx, msg);
    return r instanceof Promise ? r.then((res) => check(msg, res)) : check(msg, r);
  };
  return counts;
}

async function raw(dir: string, seconds: number, perSync = 1): Promise<Row> {
  const r = await rawWriteSync(dir, SIZE, seconds, perSync);
  const name = perSync === 1 ? 'raw write+fdatasync per record' : `raw write+fdatasync, ${perSync} records per sync`;
  return { name, count: r.count, seconds: r.seconds, latencies: r.latencies, syncs: r.syncs };
}

/**
 * A producer and a consumer process on one durable queue, each with `inFlight` requests
 * outstanding (the consumer's polls wait on the server). The row's rate is the producer's
 * acknowledged offers per second; syncs per message count every fdatasync of the queue's log
 * (DATA and ACK records). Throws unless the consumer received every acknowledged offer.
 */
async function pair(server: Server, feature: WalFeature, queue: string, inFlight: number, seconds: number): Promise<Row> {
  await server.createQueue(queue, { capacity: 2 ** 31 - 1, durable: true });
  const consumer = runClient(server.uri, queue, inFlight, seconds, true, true);
  const produced = await runClient(server.uri, queue, inFlight, seconds, true);
  const c = await connect({ uri: server.uri });
  try {
    const r = await c.offer(queue, binaryMessage(null, 'end', 'application/octet-stream', Buffer.alloc(0)));
    if (!r.responseOk) throw new Error(`end marker: ${r.status} ${r.text}`);
  } finally {
    await c.close();
  }
  const consumed = await consumer;
  if (consumed.count !== produced.count) throw new Error(`FAILED: ${produced.count} offers acknowledged, ${consumed.count} received`);
  return { ...produced, name: `offer + poll durable, ${inFlight} in flight each`, syncs: feature.logStats(queue)!.syncs };
}

async function walOnly(dir: string, inFlight: number, seconds: number): Promise<Row> {
  const { wal } = await openWriteAheadLog(dir);
  const log = await wal.createQueueLog(`direct${inFlight}`, 2 ** 31 - 1);
  const payload = Buffer.alloc(SIZE, 0x62);
  const latencies: number[] = [];
  let n = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < start + seconds * 1000) {
        const t0 = performance.now();
        await log.appendData(`id-${n++}`, -1, payload);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const secs = (performance.now() - start) / 1000;
  const syncs = log.stats.syncs;
  await wal.close();
  return { name: `wal appendData, ${inFlight} in flight`, count: latencies.length, seconds: secs, latencies, syncs };
}

/** Options of {@link durableBench}. */
export interface DurableBenchOptions {
  /** Seconds per row. */
  readonly seconds: number;
  /** An existing directory on the disk to measure (a fresh subdirectory is made and removed). */
  readonly dir: string;
  /** In-flight counts of the WAL-only and memory-queue rows (default 1, 64). */
  readonly inFlights?: readonly number[];
  /** In-flight counts of the durable offer rows (default 1, 64, 256). */
  readonly durableInFlights?: readonly number[];
  /** In-flight counts of the producer + consumer rows (default 1, 64). */
  readonly pairInFlights?: readonly number[];
  readonly progress?: (line: string) => void;
}

/** Result of {@link durableBench}. */
export interface DurableBenchResult {
  readonly dir: string;
  /** The raw baseline (first row) is the better of two runs, one before and one after the others; both msgs/s. */
  readonly rawRuns: readonly number[];
  readonly rows: readonly DurableRow[];
  /** Durable OKs checked against the synced-id record. */
  readonly acksChecked: number;
  /** … of which were sent before their record was synced (must be 0). */
  readonly acksBeforeSync: number;
}

/**
 * Runs every row in a fresh subdirectory of `o.dir` (removed afterwards) and throws when an
 * acknowledgement left before its sync (or none was checked).
 */
export async function durableBench(o: DurableBenchOptions): Promise<DurableBenchResult> {
  const { seconds } = o;
  const progress = o.progress ?? (() => undefined);
  const inFlights = o.inFlights ?? [1, 64];
  const dir = trackPath(await mkdtemp(join(o.dir, 'vipc-bench-durable-')));
  const tracker = new SyncTracker();
  const rows: DurableRow[] = [];
  const add = (r: DurableRow): void => {
    rows.push(r);
    progress(`durable:   ${r.name}: ${Math.round(r.msgsPerSec)} msgs/s`);
  };
  let server: Server | undefined;
  try {
    // The baseline is measured first and again last; the better run is the row (like best-of
    // rounds elsewhere: other load on the shared disk only ever slows a run down).
    progress(`durable: raw write+fdatasync, ${seconds} s`);
    const raw1 = await raw(dir, seconds);
    for (const n of inFlights) {
      progress(`durable: wal appendData, ${n} in flight`);
      add(toRow(await walOnly(dir, n, seconds), 'wal', n));
    }
    const walDir = join(dir, 'server');
    await mkdir(walDir);
    // Nobody polls the offer rows' queues: they hold every message of their row, more than the
    // default 64 MiB per queue (queueMaxBytes) once a row passes ~67k msgs/s for a second.
    server = await createServer({ port: 0, walDir, walFileSystem: tracker, maxQueueBytes: 4 * ROW_QUEUE_MAX_BYTES });
    const counts = instrumentOffers(server, tracker);
    const feature = (server as unknown as ServerCore).features.get(WAL_FEATURE) as WalFeature;
    for (const n of inFlights) {
      progress(`durable: offer to a memory queue, ${n} in flight`);
      await server.createQueue(`plain${n}`, { capacity: 2 ** 31 - 1, maxBytes: ROW_QUEUE_MAX_BYTES });
      add(toRow({ ...(await runClient(server.uri, `plain${n}`, n, seconds, false)), name: `offer bounded (memory), ${n} in flight` }, 'memory', n));
      await server.removeQueue(`plain${n}`); // nobody polls it: free what it holds
    }
    for (const n of o.durableInFlights ?? [1, 64, 256]) {
      progress(`durable: durable offer, ${n} in flight`);
      const q = `durable${n}`;
      await server.createQueue(q, { capacity: 2 ** 31 - 1, durable: true, maxBytes: ROW_QUEUE_MAX_BYTES });
      const row = await runClient(server.uri, q, n, seconds, true);
      add(toRow({ ...row, name: `offer durable, ${n} in flight`, syncs: feature.logStats(q)!.syncs }, 'durable', n));
      await server.removeQueue(q);
    }
    for (const n of o.pairInFlights ?? [1, 64]) {
      progress(`durable: a producer and a consumer, ${n} in flight each`);
      add(toRow(await pair(server, feature, `pair${n}`, n, seconds), 'pair', n));
    }
    await server.close();
    server = undefined;
    progress(`durable: raw write+fdatasync again, ${seconds} s`);
    const raw2 = await raw(dir, seconds);
    const raw64 = await raw(dir, seconds, 64);
    const rawRuns = [raw1, raw2].map((r) => r.count / r.seconds);
    const rawRow = toRow(raw2.count / raw2.seconds > raw1.count / raw1.seconds ? raw2 : raw1, 'raw', 1);
    rows.unshift(rawRow, toRow(raw64, 'raw64', 64));
    progress(`durable:   raw write+fdatasync: ${rawRuns.map(Math.round).join(' and ')} msgs/s`);
    if (counts.early !== 0 || counts.checked === 0) throw new Error(`FAILED: ${counts.early} acknowledgements before their sync (of ${counts.checked})`);
    return { dir, rows, rawRuns, acksChecked: counts.checked, acksBeforeSync: counts.early };
  } finally {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
    removePath(dir);
  }
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const seconds = Number(arg('--seconds', '3'));
  const dir = arg('--dir', tmpdir());
  console.log(`durable offers: ${SIZE}-byte messages, ${seconds} s per row, WAL in a fresh directory under ${dir}`);
  // --pair-only: the raw baselines and the producer + consumer rows only (profiling).
  const only = process.argv.includes('--pair-only') ? { inFlights: [], durableInFlights: [] } : {};
  const r = await durableBench({ seconds, dir, ...only, progress: (l) => process.stderr.write(`${l}\n`) });
  for (const row of r.rows) print(row);
  console.log(`acknowledgements checked: ${r.acksChecked}, sent before their record was synced: ${r.acksBeforeSync}`);
}

if (process.argv[1] === SELF) {
  if (process.argv.includes('--client')) await clientMain();
  else await main();
}
