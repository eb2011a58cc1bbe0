import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** What the raw durability baseline measured. */
export interface RawSyncRun {
  /** Records written (each followed by its own fdatasync). */
  readonly count: number;
  readonly seconds: number;
  /** Per-record write+sync latency, ms. */
  readonly latencies: number[];
}

/**
 * The durability baseline: append `size`-byte records to a file in `dir` for `seconds`, one
 * `write` + `fdatasync` per record (what "one sync per message" costs on this disk).
 */
export async function rawWriteSync(dir: string, size: number, seconds: number): Promise<RawSyncRun> {
  const fh = await open(join(dir, 'raw.bin'), 'w');
  const buf = Buffer.alloc(size, 0x61);
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
  return { count: latencies.length, seconds: (performance.now() - start) / 1000, latencies };
}
