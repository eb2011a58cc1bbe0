import { HEADER_SIZE, writeHeader, type Header } from './header.js';

/**
 * Payloads up to this size are copied into the same buffer as header and meta frame; larger
 * payloads are handed to the socket as they are, never copied (the connection corks the socket,
 * so prefix and payload still leave in one writev). Above ~1 KB the copy and the allocation of
 * a non-pooled buffer cost more than a second iovec.
 */
export const COALESCE_LIMIT = 1024;

/**
 * Lays out one message (WIRE §2): header, meta frame, payload frame. `meta` and `payload` are
 * the frame bodies exactly as they go on the wire (already compressed/encrypted). Pure.
 *
 * Returns one buffer when the payload is small, otherwise `[prefix, payload]` where the
 * payload is the caller's buffer, not a copy.
 */
export function encodeFrames(header: Header, meta: Uint8Array, payload: Uint8Array): Buffer[] {
  const prefixLen = HEADER_SIZE + 4 + meta.length + 4;
  const single = payload.length <= COALESCE_LIMIT;
  const out = Buffer.allocUnsafe(single ? prefixLen + payload.length : prefixLen);
  writeHeader(out, 0, header);
  out.writeInt32BE(meta.length, HEADER_SIZE);
  out.set(meta, HEADER_SIZE + 4);
  out.writeInt32BE(payload.length, HEADER_SIZE + 4 + meta.length);
  if (!single) return [out, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)];
  out.set(payload, prefixLen);
  return [out];
}

/** The 34 header bytes alone (needed as AES-GCM AAD before the meta frame is encrypted). */
export function headerBytes(header: Header): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE);
  writeHeader(out, 0, header);
  return out;
}
