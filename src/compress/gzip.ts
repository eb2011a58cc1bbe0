import { gunzipSync, gzipSync } from 'node:zlib';
import { CodecError, ErrorCode } from '../errors.js';

// STUB: to be completed (async path above a measured threshold, concurrency limit, tests).

/** Payloads at least this long are (de)compressed with zlib's async API. */
export const ASYNC_ZLIB_THRESHOLD = 64 * 1024;

/** GZIP-encodes `data` (RFC 1952), synchronously. */
export function gzip(data: Uint8Array): Buffer {
  return gzipSync(data);
}

/** GZIP-encodes `data` off the event loop. */
export async function gzipAsync(data: Uint8Array): Promise<Buffer> {
  return gzipSync(data);
}

/**
 * Decodes GZIP `data` (one or more members), failing as soon as the output would exceed
 * `maxOutput` bytes, so a small bomb cannot allocate a large buffer.
 */
export function gunzipCapped(data: Uint8Array, maxOutput: number): Buffer {
  try {
    return gunzipSync(data, { maxOutputLength: Math.max(1, maxOutput) });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CodecError(ErrorCode.DECOMPRESSED_TOO_LARGE, `Decompressed payload exceeds ${maxOutput} bytes`, { cause: err });
    }
    throw new CodecError(ErrorCode.DECOMPRESS_FAILED, 'Payload is not valid GZIP data', { cause: err });
  }
}

/** {@link gunzipCapped} off the event loop. */
export async function gunzipCappedAsync(data: Uint8Array, maxOutput: number): Promise<Buffer> {
  return gunzipCapped(data, maxOutput);
}
