/**
 * Reader for Venice 1.12.71 log files (SEMANTICS §6.4): no file header; each record is a
 * 52-byte header + payload, big-endian, and the CRC-32 covers the payload only. The header
 * is therefore checked for plausibility (magic, type, flag, length, LSN > 0, fixed payload
 * sizes); a flipped bit in a header's UUID or LSN cannot be detected.
 */
import { gunzipCapped } from '../compress/gzip.js';
import { crc32 } from './crc32.js';
import type { DecodeResult, WalRecord } from './types.js';

/** Every Venice record starts with these bytes. */
export const VENICE_MAGIC: Buffer = Buffer.from([0xca, 0xfe, 0xba, 0xbe]);
/** Size of a Venice record header. */
export const VENICE_HEADER_SIZE = 52;

const TYPE_ACK = 0;
const TYPE_CONFIG = 1;
const TYPE_DATA = 2;

/** Formats 16 bytes (most-significant long first, as Java writes a UUID) as a UUID string. */
export function uuidFromBytes(buf: Buffer, off: number): string {
  const h = buf.toString('hex', off, off + 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const fail = (reason: string): DecodeResult => ({ ok: false, reason });

/** Decodes the Venice record at `off` (GZIP payloads are decompressed, capped at `maxBody`). */
export function decodeVeniceRecord(buf: Buffer, off: number, maxBody: number): DecodeResult {
  if (buf.length - off < VENICE_HEADER_SIZE) return fail('truncated record header');
  if (!buf.subarray(off, off + 4).equals(VENICE_MAGIC)) return fail('bad record magic');
  const lsn = buf.readBigInt64BE(off + 4);
  const type = buf.readInt32BE(off + 12);
  const compressed = buf.readInt32BE(off + 40);
  const length = buf.readInt32BE(off + 44);
  if (lsn < 1n) return fail(`bad LSN ${lsn}`);
  if (type !== TYPE_ACK && type !== TYPE_CONFIG && type !== TYPE_DATA) return fail(`unknown record type ${type}`);
  if (compressed !== 0 && compressed !== 1) return fail(`bad compressed flag ${compressed}`);
  if (length < 0 || length > maxBody) return fail(`bad payload length ${length}`);
  const body = off + VENICE_HEADER_SIZE;
  const end = body + length;
  if (end > buf.length) return fail('truncated record');
  if (crc32(buf, 0, body, end) !== buf.readUInt32BE(off + 48)) return fail('payload checksum mismatch');
  let payload = buf.subarray(body, end);
  if (compressed === 1) {
    try {
      payload = gunzipCapped(payload, maxBody);
    } catch {
      // SEMANTICS §6.6 DECISION: a decompression failure is corruption.
      return fail('payload does not decompress');
    }
  }
  const record = decodeVeniceBody(buf, off, type, payload);
  return typeof record === 'string' ? fail(record) : { ok: true, record, end };
}

function decodeVeniceBody(buf: Buffer, off: number, type: number, payload: Buffer): WalRecord | string {
  switch (type) {
    case TYPE_CONFIG: {
      if (payload.length !== 12) return 'bad CONFIG payload length';
      const capacity = payload.readInt32BE(0);
      const queueType = payload.readInt32BE(4);
      if (capacity < 1 || queueType !== 0) return 'unsupported CONFIG (capacity < 1 or not bounded)';
      return { type: 'config', capacity, compress: payload.readInt32BE(8) > 0 };
    }
    case TYPE_ACK:
      if (payload.length !== 16) return 'bad ACK payload length';
      return { type: 'ack', id: uuidFromBytes(payload, 0) };
    default: {
      const expiry = Number(buf.readBigInt64BE(off + 32));
      return { type: 'data', id: uuidFromBytes(buf, off + 16), expiresAt: expiry < 0 ? -1 : expiry, payload };
    }
  }
}

/**
 * Whether the bytes at `off` hold a complete Venice record (magic and a declared length that
 * ends within the file) that failed its checks, rather than a torn tail.
 */
export function isCompleteVeniceRecord(buf: Buffer, off: number): boolean {
  if (buf.length - off < VENICE_HEADER_SIZE || !buf.subarray(off, off + 4).equals(VENICE_MAGIC)) return false;
  const length = buf.readInt32BE(off + 44);
  return length >= 0 && off + VENICE_HEADER_SIZE + length <= buf.length;
}
