/**
 * WAL append benchmark: 1000-byte records made durable.
 *   npm run build && node dist/bench/wal.js [--dir DIR] [--seconds S]
 * Compares raw `write + fdatasync` per record with `appendData` at 1 and 64 in flight.
 * Use a directory on a real disk (tmpfs makes fdatasync free and the figures meaningless).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openWriteAheadLog } from '../src/wal/index.js';
import { rawWriteSync } from './lib/raw-sync.js';

const RECORD = 1000;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

interface Result {
  name: string;
  records: number;
  seconds: number;
  latencies: number[];
  syncs: number;
}

function report(r: Result): void {
  const l = r.latencies.sort((a, b) => a - b);
  const q = (p: number): string => (l[Math.min(l.length - 1, Math.floor(p * l.length))] ?? 0).toFixed(2);
  console.log(
    `${r.name.padEnd(26)} ${String(Math.round(r.records / r.seconds)).padStart(8)} rec/s   p50 ${q(0.5).padStart(7)} ms   p99 ${q(0.99).padStart(7)} ms   syncs/rec ${(r.syncs / r.records).toFixed(3)}   (${r.records} records)`,
  );
}

async function raw(dir: string, seconds: number): Promise<Result> {
  const r = await rawWriteSync(dir, RECORD, seconds);
  return { name: 'raw write+fdatasync', records: r.count, seconds: r.seconds, latencies: r.latencies, syncs: r.count };
}

async function wal(dir: string, seconds: number, inFlight: number): Promise<Result> {
  const d = await mkdtemp(join(dir, `wal${inFlight}-`));
  const { wal: w } = await openWriteAheadLog(d);
  const log = await w.createQueueLog('bench', 1_000_000_000);
  const payload = Buffer.alloc(RECORD - 60, 0x62); // ~1000 bytes on disk with the record header and id
  const latencies: number[] = [];
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        const id = `00000000-0000-4000-8000-${String(n++).padStart(12, '0')}`;
        const t0 = performance.now();
        await log.appendData(id, -1, payload);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const { syncs, records, bytes } = log.stats;
  await w.close();
  console.log(`  (${inFlight} in flight: ${(bytes / records).toFixed(0)} bytes per record on disk)`);
  return { name: `appendData, ${inFlight} in flight`, records, seconds: elapsed, latencies, syncs };
}

async function main(): Promise<void> {
  const base = arg('--dir', tmpdir());
  const seconds = Number(arg('--seconds', '3'));
  const dir = await mkdtemp(join(base, 'vipc-wal-bench-'));
  console.log(`WAL bench in ${dir}, ${RECORD}-byte records, ${seconds} s per case, node ${process.version}`);
  try {
    report(await raw(dir, seconds));
    report(await wal(dir, seconds, 1));
    report(await wal(dir, seconds, 64));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
