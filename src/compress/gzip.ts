/**
 * GZIP (RFC 1952) of message payloads (WIRE §6): the cutoff rule, sync and async encoding, and
 * capped decoding that stops inflating at the cap (a small bomb cannot allocate a large buffer).
 */
import { gunzip as gunzipCb, gunzipSync, gzip as gzipCb, gzipSync } from 'node:zlib';
import type { ZlibOptions } from 'node:zlib';
import { promisify } from 'node:util';
import { CodecError, ErrorCode } from '../errors.js';
import { Limiter } from './limiter.js';

const gzipPromise = promisify<Uint8Array, ZlibOptions, Buffer>(gzipCb);
const gunzipPromise = promisify<Uint8Array, ZlibOptions, Buffer>(gunzipCb);

/**
 * Payloads at least this long should be compressed with {@link gzipAsync}. A sync gzip of
 * 32 KiB blocks the event loop for about 0.2 ms (text) to 0.5 ms (incompressible bytes), of
 * 64 KiB for 0.6 to 1.3 ms (measured with `bench/zlib-threshold.ts`, figures in
 * docs/security.md); below it the thread-pool round trip (about 0.1–0.2 ms of latency) costs
 * more than it saves.
 */
export const ASYNC_ZLIB_THRESHOLD = 32 * 1024;

/**
 * Worst-case decompressed size from which {@link gunzipCappedAsync} should be used: inflating
 * 512 KiB of text takes about 0.9 ms, 1 MiB about 1.8 ms (a run of zeros inflates faster).
 */
export const ASYNC_GUNZIP_OUTPUT_THRESHOLD = 512 * 1024;

/** DEFLATE's maximum expansion (258-byte matches coded in about 2 bits): 1032 to 1. */
export const DEFLATE_MAX_RATIO = 1032;

/** Most async zlib jobs running at once; half of libuv's default pool of 4 threads. */
export const ZLIB_CONCURRENCY = 2;

// One limiter for the whole process: the thread pool it protects is process-wide too.
const limiter = new Limiter(ZLIB_CONCURRENCY);

/** WIRE §6 cutoff rule: compress iff `cutoff >= 0 && length >= cutoff` (`-1` disables). */
export function shouldCompress(cutoff: number, length: number): boolean {
  return cutoff >= 0 && length >= cutoff;
}

/** Whether a payload of `length` bytes should be compressed with {@link gzipAsync}. */
export function shouldUseAsyncGzip(length: number): boolean {
  return length >= ASYNC_ZLIB_THRESHOLD;
}

/**
 * Whether `compressedLength` bytes should be inflated with {@link gunzipCappedAsync}. The
 * decision uses the worst case, `min(maxOutput, compressedLength × 1032)`, because a hostile
 * peer controls the ratio: 20 KB of GZIP can inflate to 20 MiB and block a sync call ~20 ms.
 */
export function shouldUseAsyncGunzip(compressedLength: number, maxOutput: number): boolean {
  return Math.min(maxOutput, compressedLength * DEFLATE_MAX_RATIO) >= ASYNC_GUNZIP_OUTPUT_THRESHOLD;
}

/** GZIP-encodes `data` (RFC 1952) at the default level, synchronously. */
export function gzip(data: Uint8Array): Buffer {
  return gzipSync(data);
}

/** GZIP-encodes `data` on the thread pool, at most {@link ZLIB_CONCURRENCY} jobs at once. */
export async function gzipAsync(data: Uint8Array): Promise<Buffer> {
  return limiter.run(() => gzipPromise(data, {}));
}

function checkCap(maxOutput: number): void {
  if (!Number.isSafeInteger(maxOutput) || maxOutput < 0) {
    throw new RangeError(`maxOutput must be a non-negative integer, got ${maxOutput}`);
  }
}

function toCodecError(err: unknown, maxOutput: number): CodecError {
  if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
    return new CodecError(ErrorCode.DECOMPRESSED_TOO_LARGE, `Decompressed payload exceeds ${maxOutput} bytes`, { cause: err });
  }
  return new CodecError(ErrorCode.DECOMPRESS_FAILED, 'Payload is not valid GZIP data', { cause: err });
}

function checkLength(out: Buffer, maxOutput: number): Buffer {
  // zlib needs maxOutputLength >= 1; the cap 0 is enforced here.
  if (out.length > maxOutput) throw toCodecError({ code: 'ERR_BUFFER_TOO_LARGE' }, maxOutput);
  return out;
}

/**
 * Decodes GZIP `data` (one or more concatenated members, as Java's `GZIPInputStream` reads),
 * synchronously. Inflation stops as soon as the output passes `maxOutput` bytes.
 * @throws CodecError `DECOMPRESSED_TOO_LARGE` past the cap, `DECOMPRESS_FAILED` for anything
 * that is not complete GZIP data (garbage, truncation, bad CRC, trailing bytes).
 */
export function gunzipCapped(data: Uint8Array, maxOutput: number): Buffer {
  checkCap(maxOutput);
  let out: Buffer;
  try {
    out = gunzipSync(data, { maxOutputLength: Math.max(1, maxOutput) });
  } catch (err) {
    throw toCodecError(err, maxOutput);
  }
  return checkLength(out, maxOutput);
}

/** {@link gunzipCapped} on the thread pool, at most {@link ZLIB_CONCURRENCY} jobs at once. */
export async function gunzipCappedAsync(data: Uint8Array, maxOutput: number): Promise<Buffer> {
  checkCap(maxOutput);
  let out: Buffer;
  try {
    out = await limiter.run(() => gunzipPromise(data, { maxOutputLength: Math.max(1, maxOutput) }));
  } catch (err) {
    throw toCodecError(err, maxOutput);
  }
  return checkLength(out, maxOutput);
}
