import { ErrorCode, ProtocolError } from '../errors.js';

/**
 * The fixed 34-byte message header (WIRE §2.1), big-endian:
 *
 * | off | size | field                         |
 * |----:|-----:|-------------------------------|
 * |   0 |    2 | magic `76 6E` ("vn")          |
 * |   2 |    4 | version = 1                   |
 * |   6 |    2 | compressed flag (0/1)         |
 * |   8 |    2 | encrypted flag (0/1)          |
 * |  10 |    8 | timestamp, ms since epoch     |
 * |  18 |    8 | expiresAt, ms or -1           |
 * |  26 |    8 | timeout, ms or -1             |
 */
export const HEADER_SIZE = 34;
/** Protocol version carried in every header. */
export const PROTOCOL_VERSION = 1;
const MAGIC_1 = 0x76; // 'v'
const MAGIC_2 = 0x6e; // 'n'

/** Largest timestamp or expiry accepted: the largest time a JavaScript `Date` holds (ms since the epoch). */
export const MAX_HEADER_TIME_MS = 8.64e15;
/** Largest timeout accepted: the largest integer a JavaScript number holds exactly. */
export const MAX_HEADER_TIMEOUT_MS = Number.MAX_SAFE_INTEGER;

/** Header fields. */
export interface Header {
  readonly compressed: boolean;
  readonly encrypted: boolean;
  readonly timestamp: number;
  readonly expiresAt: number;
  readonly timeout: number;
  /**
   * Set by {@link readHeader} when the timestamp, expiry or timeout is beyond what this code
   * represents ({@link MAX_HEADER_TIME_MS}, {@link MAX_HEADER_TIMEOUT_MS}): says which field and
   * value. That field then holds its "none" value (timestamp: now, others -1) so nothing can
   * fail on it later; the server answers such a request BAD_REQUEST instead of processing it.
   */
  readonly outOfRange?: string;
}

/** Writes a header into `target` at `offset` (34 bytes). */
export function writeHeader(target: Buffer, offset: number, h: Header): void {
  target[offset] = MAGIC_1;
  target[offset + 1] = MAGIC_2;
  target.writeInt32BE(PROTOCOL_VERSION, offset + 2);
  target.writeInt16BE(h.compressed ? 1 : 0, offset + 6);
  target.writeInt16BE(h.encrypted ? 1 : 0, offset + 8);
  writeInt64(target, offset + 10, h.timestamp);
  writeInt64(target, offset + 18, h.expiresAt);
  writeInt64(target, offset + 26, h.timeout);
}

const TWO_32 = 4294967296;

const INT64_LIMIT = 2 ** 63;

/** Writes a safe integer as a big-endian int64 without a BigInt (hot path: 3 per message). */
function writeInt64(target: Buffer, offset: number, v: number): void {
  if (!Number.isSafeInteger(v)) {
    if (!(Math.abs(v) < INT64_LIMIT)) {
      throw new ProtocolError(ErrorCode.HEADER_OUT_OF_RANGE, `The header value ${v} does not fit a signed 64-bit integer`);
    }
    target.writeBigInt64BE(BigInt(Math.trunc(v)), offset);
    return;
  }
  const hi = Math.floor(v / TWO_32);
  target.writeInt32BE(hi, offset);
  target.writeUInt32BE(v - hi * TWO_32, offset + 4);
}

/** Reads a big-endian int64 as a number (rounded like `Number(bigint)` beyond 2^53). */
function readInt64(buf: Buffer, offset: number): number {
  return buf.readInt32BE(offset) * TWO_32 + buf.readUInt32BE(offset + 4);
}

/**
 * Parses and validates the 34 header bytes at `offset`. Magic and version are checked first,
 * then the flags (WIRE §2.6 allows that order; the outcome, a closed connection, is the same).
 * Values are normalised as Java does: timestamp <= 0 → `now`, negative expiresAt/timeout → -1.
 */
export function readHeader(buf: Buffer, offset: number, now: () => number = Date.now): Header {
  if (buf[offset] !== MAGIC_1 || buf[offset + 1] !== MAGIC_2) {
    throw new ProtocolError(ErrorCode.BAD_MAGIC, 'Received unknown message (bad magic bytes)!');
  }
  const version = buf.readInt32BE(offset + 2);
  if (version !== PROTOCOL_VERSION) {
    throw new ProtocolError(ErrorCode.BAD_VERSION, `Received message with unsupported protocol version ${version}!`);
  }
  const compressed = readFlag(buf, offset + 6);
  const encrypted = readFlag(buf, offset + 8);
  const timestamp = readInt64(buf, offset + 10);
  const expiresAt = readInt64(buf, offset + 18);
  const timeout = readInt64(buf, offset + 26);
  const h = {
    compressed,
    encrypted,
    timestamp: timestamp <= 0 ? now() : timestamp,
    expiresAt: expiresAt < 0 ? -1 : expiresAt,
    timeout: timeout < 0 ? -1 : timeout,
  };
  // Only large positive values can be out of range: negative ones were normalised above.
  if (h.timestamp <= MAX_HEADER_TIME_MS && h.expiresAt <= MAX_HEADER_TIME_MS && h.timeout <= MAX_HEADER_TIMEOUT_MS) return h;
  return outOfRange(buf, offset, h, now);
}

/** The header with each out-of-range field replaced by its "none" value, and the reason. */
function outOfRange(buf: Buffer, offset: number, h: Omit<Header, 'outOfRange'>, now: () => number): Header {
  const bad: string[] = [];
  const exact = (at: number): string => buf.readBigInt64BE(offset + at).toString();
  let { timestamp, expiresAt, timeout } = h;
  if (timestamp > MAX_HEADER_TIME_MS) {
    bad.push(`timestamp ${exact(10)}`);
    timestamp = now();
  }
  if (expiresAt > MAX_HEADER_TIME_MS) {
    bad.push(`expiresAt ${exact(18)}`);
    expiresAt = -1;
  }
  if (timeout > MAX_HEADER_TIMEOUT_MS) {
    bad.push(`timeout ${exact(26)}`);
    timeout = -1;
  }
  const outOfRange =
    `header ${bad.join(', ')} out of range (times up to ${MAX_HEADER_TIME_MS} ms since the epoch, ` + `timeouts up to ${MAX_HEADER_TIMEOUT_MS} ms)`;
  return { compressed: h.compressed, encrypted: h.encrypted, timestamp, expiresAt, timeout, outOfRange };
}

function readFlag(buf: Buffer, offset: number): boolean {
  const v = buf.readInt16BE(offset);
  if (v !== 0 && v !== 1) {
    throw new ProtocolError(ErrorCode.BAD_FLAG, `Illegal IPC message boolean value ${v} in the header`);
  }
  return v === 1;
}
