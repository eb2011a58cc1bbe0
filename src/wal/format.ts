/**
 * The venice-ipc log format (docs/wal.md has the byte tables). A file is a 16-byte header
 * followed by records; every record carries its length and a CRC-32 over all of its bytes.
 * Integers are big-endian.
 */
import { gzipSync } from 'node:zlib';
import { gunzipCapped } from '../compress/gzip.js';
import { crc32 } from './crc32.js';
import type { DecodeResult, WalRecord } from './types.js';

/** File magic: `89 'V' 'W' 'A' 'L' 0D 0A 1A` (PNG-style: catches text-mode and 7-bit damage). */
export const FILE_MAGIC: Buffer = Buffer.from([0x89, 0x56, 0x57, 0x41, 0x4c, 0x0d, 0x0a, 0x1a]);
/** The format version this code writes and reads. */
export const FORMAT_VERSION = 1;
/** Size of the file header: magic(8) version(2) reserved(2) crc(4). */
export const FILE_HEADER_SIZE = 16;
/** Marker opening every record. 0xF7 never occurs in UTF-8 text, so text payloads rarely fake it. */
export const RECORD_MARKER: Buffer = Buffer.from([0xf7, 0x57]);
/** Size of a record header: marker(2) type(1) flags(1) length(4) crc(4). */
export const RECORD_HEADER_SIZE = 12;

/** Record type codes. */
export const RecordType = { CONFIG: 1, DATA: 2, ACK: 3 } as const;
const FLAG_GZIP = 0x01;
const CONFIG_FLAG_COMPRESS = 0x01;
const CONFIG_BODY_SIZE = 8;

/** The 16-byte file header. */
export function encodeFileHeader(): Buffer {
  const b = Buffer.alloc(FILE_HEADER_SIZE);
  FILE_MAGIC.copy(b, 0);
  b.writeUInt16BE(FORMAT_VERSION, 8); // bytes 10..11 reserved, 0
  b.writeUInt32BE(crc32(b, 0, 0, 12), 12);
  return b;
}

/** Checks the file header; returns undefined when fine, else the reason. */
export function checkFileHeader(buf: Buffer): string | undefined {
  if (buf.length < FILE_HEADER_SIZE) return `file shorter than its ${FILE_HEADER_SIZE}-byte header`;
  if (!buf.subarray(0, 8).equals(FILE_MAGIC)) return 'bad file magic';
  if (buf.readUInt32BE(12) !== crc32(buf, 0, 0, 12)) return 'file header checksum mismatch';
  const version = buf.readUInt16BE(8);
  if (version !== FORMAT_VERSION) return `unsupported format version ${version}`;
  return undefined;
}

/** Writes the record header into `head[0..12)` and returns the chunks of the whole record. */
function frame(type: number, flags: number, head: Buffer, rest?: Uint8Array): [Buffer, ...Uint8Array[]] {
  const bodyLength = head.length - RECORD_HEADER_SIZE + (rest?.length ?? 0);
  RECORD_MARKER.copy(head, 0);
  head[2] = type;
  head[3] = flags;
  head.writeUInt32BE(bodyLength, 4);
  // CRC over header bytes 0..7, then the body (rest of head, then rest).
  let c = crc32(head, 0, 0, 8);
  c = crc32(head, c, RECORD_HEADER_SIZE);
  if (rest === undefined) {
    head.writeUInt32BE(c, 8);
    return [head];
  }
  head.writeUInt32BE(crc32(rest, c), 8);
  return [head, rest];
}

/** A CONFIG record: capacity(4) flags(1) reserved(3). */
export function encodeConfig(capacity: number, compress: boolean): Buffer {
  const head = Buffer.alloc(RECORD_HEADER_SIZE + CONFIG_BODY_SIZE);
  head.writeUInt32BE(capacity, RECORD_HEADER_SIZE);
  head[RECORD_HEADER_SIZE + 4] = compress ? CONFIG_FLAG_COMPRESS : 0;
  return frame(RecordType.CONFIG, 0, head)[0];
}

/**
 * A DATA record: expiresAt(i64) idLength(2) id(UTF-8) payload. `gzipped` says whether
 * `payload` is already GZIP-compressed. The payload is returned as its own chunk, not copied.
 */
export function encodeData(id: string, expiresAt: number, payload: Uint8Array, gzipped: boolean): Uint8Array[] {
  const idBytes = Buffer.from(id, 'utf8');
  const head = Buffer.alloc(RECORD_HEADER_SIZE + 10 + idBytes.length);
  head.writeBigInt64BE(BigInt(expiresAt), RECORD_HEADER_SIZE);
  head.writeUInt16BE(idBytes.length, RECORD_HEADER_SIZE + 8);
  idBytes.copy(head, RECORD_HEADER_SIZE + 10);
  return frame(RecordType.DATA, gzipped ? FLAG_GZIP : 0, head, payload);
}

/**
 * A DATA record for a queue log: the payload is GZIP-compressed when `compress` is on, it is
 * at least `minBytes` long (Venice: 300) and compression actually makes it smaller.
 * Synchronous on purpose: callers place the record in the log in call order.
 */
export function encodeEntry(id: string, expiresAt: number, payload: Uint8Array, compress: boolean, minBytes: number): Uint8Array[] {
  if (compress && payload.length >= minBytes) {
    const gz = gzipSync(payload);
    if (gz.length < payload.length) return encodeData(id, expiresAt, gz, true);
  }
  return encodeData(id, expiresAt, payload, false);
}

/** An ACK record: idLength(2) id(UTF-8). */
export function encodeAck(id: string): Buffer {
  const idBytes = Buffer.from(id, 'utf8');
  const head = Buffer.alloc(RECORD_HEADER_SIZE + 2 + idBytes.length);
  head.writeUInt16BE(idBytes.length, RECORD_HEADER_SIZE);
  idBytes.copy(head, RECORD_HEADER_SIZE + 2);
  return frame(RecordType.ACK, 0, head)[0];
}

const fail = (reason: string): DecodeResult => ({ ok: false, reason });

/**
 * Decodes the record at `off`. Checks, in order: marker, type, flags, length against the
 * bytes present and `maxBody`, CRC, then the body layout. The payload of a DATA record is
 * a view into `buf` unless it had to be decompressed.
 */
export function decodeRecord(buf: Buffer, off: number, maxBody: number): DecodeResult {
  if (buf.length - off < RECORD_HEADER_SIZE) return fail('truncated record header');
  if (buf[off] !== RECORD_MARKER[0] || buf[off + 1] !== RECORD_MARKER[1]) return fail('bad record marker');
  const type = buf[off + 2]!;
  const flags = buf[off + 3]!;
  if (type < RecordType.CONFIG || type > RecordType.ACK) return fail(`unknown record type ${type}`);
  if ((flags & ~FLAG_GZIP) !== 0 || (flags !== 0 && type !== RecordType.DATA)) return fail(`bad record flags ${flags}`);
  const length = buf.readUInt32BE(off + 4);
  if (length > maxBody) return fail(`record length ${length} above the limit`);
  const body = off + RECORD_HEADER_SIZE;
  const end = body + length;
  if (end > buf.length) return fail('truncated record');
  const c = crc32(buf, crc32(buf, 0, off, off + 8), body, end);
  if (c !== buf.readUInt32BE(off + 8)) return fail('record checksum mismatch');
  const record = decodeBody(buf, type, flags, body, end, maxBody);
  return typeof record === 'string' ? fail(record) : { ok: true, record, end };
}

function decodeBody(buf: Buffer, type: number, flags: number, body: number, end: number, maxBody: number): WalRecord | string {
  const len = end - body;
  if (type === RecordType.CONFIG) {
    if (len !== CONFIG_BODY_SIZE) return 'bad CONFIG length';
    const capacity = buf.readUInt32BE(body);
    const cflags = buf[body + 4]!;
    if (capacity < 1 || (cflags & ~CONFIG_FLAG_COMPRESS) !== 0) return 'bad CONFIG contents';
    return { type: 'config', capacity, compress: (cflags & CONFIG_FLAG_COMPRESS) !== 0 };
  }
  const idAt = type === RecordType.DATA ? body + 8 : body;
  if (end - idAt < 2) return 'record body too short';
  const idLen = buf.readUInt16BE(idAt);
  const idEnd = idAt + 2 + idLen;
  if (idEnd > end || (type === RecordType.ACK && idEnd !== end)) return 'bad id length';
  const id = buf.toString('utf8', idAt + 2, idEnd);
  if (type === RecordType.ACK) return { type: 'ack', id };
  const expiresAt = Number(buf.readBigInt64BE(body));
  let payload = buf.subarray(idEnd, end);
  if ((flags & FLAG_GZIP) !== 0) {
    try {
      payload = gunzipCapped(payload, maxBody);
    } catch {
      return 'DATA payload does not decompress';
    }
  }
  return { type: 'data', id, expiresAt, payload };
}

/**
 * Whether the bytes at `off` (where no valid record decodes and none follows) hold a *complete*
 * record that is damaged, rather than a torn (incomplete) or zero-filled tail. Complete means:
 * the header has our marker and the length it declares ends within the file; or the bytes up
 * to the end of the file form one record whose CRC matches once marker and length are set to
 * what they must be (a flip in the marker or the length field); or the declared length ends
 * exactly at the end of the file (a flip in type or flags). A torn write leaves a prefix of a
 * record, which fails all three, or a record whose bytes turn into zeros up to the end of the
 * file (zero-filled by the file system), which is never complete. Hazard: a flipped bit in a
 * last record whose payload itself ends in zero bytes is therefore taken for a torn tail.
 */
export function isCompleteRecord(buf: Buffer, off: number): boolean {
  const rest = buf.length - off;
  if (rest < RECORD_HEADER_SIZE) return false;
  const declaredEnd = off + RECORD_HEADER_SIZE + buf.readUInt32BE(off + 4);
  // Zeros from inside the record to the end of the file: a write the file system zero-filled.
  let zeros = buf.length;
  while (zeros > off && buf[zeros - 1] === 0) zeros--;
  if (zeros < Math.min(declaredEnd, buf.length)) return false;
  const markerOk = buf[off] === RECORD_MARKER[0] && buf[off + 1] === RECORD_MARKER[1];
  if (markerOk && declaredEnd <= buf.length) return true;
  if (declaredEnd === buf.length) return true;
  const head = Buffer.from(buf.subarray(off, off + 8));
  RECORD_MARKER.copy(head, 0);
  head.writeUInt32BE(rest - RECORD_HEADER_SIZE, 4);
  return crc32(buf, crc32(head), off + RECORD_HEADER_SIZE, buf.length) === buf.readUInt32BE(off + 8);
}
