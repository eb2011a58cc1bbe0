/**
 * How long does a sync gzip / gunzip of 4 KiB … 1 MiB block the event loop, and what does the
 * async API cost instead? Picks the smallest size at which a sync call blocks for more than
 * 1 ms, the figure behind ASYNC_ZLIB_THRESHOLD.
 *
 *   npm run build && node dist/bench/zlib-threshold.js
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ASYNC_ZLIB_THRESHOLD, gunzipCapped, gunzipCappedAsync, gzip, gzipAsync } from '../src/compress/gzip.js';

const SIZES = [4, 8, 16, 32, 64, 128, 256, 512, 1024].map((k) => k * 1024);
const BLOCK_BUDGET_MS = 1;

/** Message-like text: JSON records with repeated keys and random values (compresses ~3–4×). */
function textPayload(size: number): Buffer {
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; len < size; i++) {
    const rec = `{"id":${i},"name":"user-${randomBytes(4).toString('hex')}","amount":${(i * 7.31) % 1000},"tags":["a","b"]},`;
    parts.push(rec);
    len += rec.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeSync(fn: () => void, budgetMs = 150): number {
  for (let i = 0; i < 3; i++) fn(); // warm up
  const samples: number[] = [];
  const end = performance.now() + budgetMs;
  while (samples.length < 5 || (performance.now() < end && samples.length < 500)) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

/** Median wall time of an async call, and the main-thread time spent before it yields. */
async function timeAsync(fn: () => Promise<unknown>, budgetMs = 150): Promise<{ latency: number; dispatch: number }> {
  for (let i = 0; i < 3; i++) await fn();
  const lat: number[] = [];
  const disp: number[] = [];
  const end = performance.now() + budgetMs;
  while (lat.length < 5 || (performance.now() < end && lat.length < 500)) {
    const t = performance.now();
    const p = fn();
    disp.push(performance.now() - t);
    await p;
    lat.push(performance.now() - t);
  }
  return { latency: median(lat), dispatch: median(disp) };
}

const f = (ms: number): string => ms.toFixed(3).padStart(8);

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`node ${process.version}, ${cpu}, ${cpus().length} CPUs; current ASYNC_ZLIB_THRESHOLD = ${ASYNC_ZLIB_THRESHOLD}`);
  console.log('times in ms (median); "block" = event-loop time of the sync call, "async" = latency of the async call');
  console.log('    size | ratio | gzip block | gzip(random) block | gzip async | gunzip block | gunzip async | gunzip(random) block');
  let gzipThreshold: number | undefined;
  let gunzipThreshold: number | undefined;
  for (const size of SIZES) {
    const text = textPayload(size);
    const random = randomBytes(size);
    const gz = gzip(text);
    const gzRandom = gzip(random);
    const gzipSyncMs = timeSync(() => gzip(text));
    const gzipRandomMs = timeSync(() => gzip(random));
    const gzipAsyncMs = await timeAsync(() => gzipAsync(text));
    const gunzipSyncMs = timeSync(() => gunzipCapped(gz, size));
    const gunzipAsyncMs = await timeAsync(() => gunzipCappedAsync(gz, size));
    const gunzipRandomMs = timeSync(() => gunzipCapped(gzRandom, size));
    const ratio = (size / gz.length).toFixed(1);
    console.log(
      `${String(size / 1024).padStart(6)}Ki | ${ratio.padStart(5)} | ${f(gzipSyncMs)}   | ${f(gzipRandomMs)}           |` +
        ` ${f(gzipAsyncMs.latency)}   |` +
        ` ${f(gunzipSyncMs)}     | ${f(gunzipAsyncMs.latency)}     | ${f(gunzipRandomMs)}`,
    );
    if (gzipThreshold === undefined && Math.max(gzipSyncMs, gzipRandomMs) > BLOCK_BUDGET_MS) gzipThreshold = size;
    if (gunzipThreshold === undefined && Math.max(gunzipSyncMs, gunzipRandomMs) > BLOCK_BUDGET_MS) gunzipThreshold = size;
  }
  console.log('worst case for gunzip, a run of zeros (bomb), sync, capped at its own size and at 1 MiB:');
  for (const mib of [1, 4, 20]) {
    const bomb = gzip(Buffer.alloc(mib * 1024 * 1024));
    const full = timeSync(() => gunzipCapped(bomb, mib * 1024 * 1024));
    const capped = timeSync(() => {
      try {
        gunzipCapped(bomb, 1024 * 1024);
      } catch {
        /* expected above 1 MiB */
      }
    });
    console.log(`  ${String(mib).padStart(2)} MiB of zeros from ${bomb.length} B: ${f(full)} ms, capped at 1 MiB: ${f(capped)} ms`);
  }
  const show = (n: number | undefined): string => (n === undefined ? '> 1 MiB' : `${n / 1024} KiB`);
  console.log(`sync gzip blocks > ${BLOCK_BUDGET_MS} ms from ${show(gzipThreshold)} (uncompressed size, text or random)`);
  if (gzipThreshold !== undefined) console.log(`=> ASYNC_ZLIB_THRESHOLD should be ${gzipThreshold / 2048} KiB (the size below)`);
  console.log(`sync gunzip blocks > ${BLOCK_BUDGET_MS} ms from ${show(gunzipThreshold)} (decompressed size)`);
}

await main();
