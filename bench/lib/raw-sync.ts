import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** What the raw durability baseline measured. */
export interface RawSyncRun {
  /** Records written. */
  readonly count: number;
  /** `fdatasync` calls (one per `recordsPerSync` records). */
  readonly syncs: number;
  readonly seconds: number;
  /** Per-sync write+sync latency, ms. */
  readonly latencies: number[];
}

/**
 * The durability baseline: append `size`-byte records to a file in `dir` for `seconds`,
 * `recordsPerSync` records per `write` + `fdatasync` (1: what "one sync per message" costs on
 * this disk; 64: the record rate a perfect group commit of 64 records per sync reaches).
 */
export async function rawWriteSync(dir: string, size: number, seconds: number, recordsPerSync = 1): Promise<RawSyncRun> {
  const fh = await open(join(dir, 'raw.bin'), 'w');
  const buf = Buffer.alloc(size * recordsPerSync, 0x61);
  const latencies: number[] = [];
  let pos = 0;
  const start = performance.now();
  try {
    while (performance.now() < start + seconds * 1000) {
      const t0 = performance.now();
      await fh.write(buf, 0, buf.length, pos);
      await fh.datasync();
      pos += buf.length;
      latencies.push(performance.now() - t0);
    }
  } finally {
    await fh.close();
  }
  return { count: latencies.length * recordsPerSync, syncs: latencies.length, seconds: (performance.now() - start) / 1000, latencies };
}
