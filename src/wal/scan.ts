/**
 * Pure recovery logic: scan a log image, tell a torn tail from mid-file damage, and compute
 * the live set. No I/O here; `wal.ts` and `inspect.ts` act on the result.
 */
import { FILE_HEADER_SIZE, FILE_MAGIC, RECORD_MARKER, checkFileHeader, decodeRecord, isCompleteRecord } from './format.js';
import type { RecordDecoder, RecoveredEntry, WalRecord } from './types.js';
import { VENICE_MAGIC, decodeVeniceRecord, isCompleteVeniceRecord } from './venice.js';

/** A record found by {@link scanRecords}, with its byte range in the file. */
export interface ScannedRecord {
  readonly offset: number;
  readonly end: number;
  readonly record: WalRecord;
}

/** Bad bytes followed by at least one valid record: mid-file corruption. */
export interface Damage {
  /** Offset of the first bad byte (where a record should have started). */
  readonly offset: number;
  /** Offset of the next valid record. */
  readonly resumeAt: number;
  /** Why the record at `offset` was rejected. */
  readonly reason: string;
  /**
   * True when the damaged record is the last of the file and complete (so not a torn write:
   * `resumeAt` is then the end of the file). Only an incomplete last record is a torn tail.
   */
  readonly lastRecord?: boolean;
}

/** Bytes after the last valid record with nothing valid behind them: a torn or zeroed tail. */
export interface Tail {
  readonly offset: number;
  readonly length: number;
  readonly reason: string;
}

/** The result of {@link scanRecords}. */
export interface ScanResult {
  readonly records: ScannedRecord[];
  /** Mid-file damage; without salvage, scanning stops at the first one. */
  readonly damage: Damage[];
  readonly tail: Tail | undefined;
}

/** Tells a complete (damaged) record at an offset from an incomplete one (see `isCompleteRecord`). */
export type CompletenessCheck = (buf: Buffer, offset: number) => boolean;

/**
 * Reads records from `start`. When a record does not check out, looks for the next offset
 * where `marker` occurs *and* a whole record decodes with a good CRC. If there is one, the
 * bad bytes are damage (a bit flip in a length field can make a middle record look torn, so
 * "tail" is only decided when nothing valid follows). Otherwise they are damage too when
 * `complete` says they hold a whole record (a flipped bit in a synced last record), and the
 * torn tail only when they do not.
 */
export function scanRecords(buf: Buffer, start: number, decode: RecordDecoder, marker: Buffer, salvage: boolean, complete?: CompletenessCheck): ScanResult {
  const records: ScannedRecord[] = [];
  const damage: Damage[] = [];
  let off = start;
  while (off < buf.length) {
    const r = decode(buf, off);
    if (r.ok) {
      records.push({ offset: off, end: r.end, record: r.record });
      off = r.end;
      continue;
    }
    const next = findNextValid(buf, off + 1, decode, marker);
    if (next < 0) {
      if (complete?.(buf, off) !== true) return { records, damage, tail: { offset: off, length: buf.length - off, reason: r.reason } };
      damage.push({ offset: off, resumeAt: buf.length, reason: `${r.reason} in the complete last record`, lastRecord: true });
      break;
    }
    damage.push({ offset: off, resumeAt: next, reason: r.reason });
    if (!salvage) break;
    off = next;
  }
  return { records, damage, tail: undefined };
}

function findNextValid(buf: Buffer, from: number, decode: RecordDecoder, marker: Buffer): number {
  for (let p = buf.indexOf(marker, from); p >= 0; p = buf.indexOf(marker, p + 1)) {
    if (decode(buf, p).ok) return p;
  }
  return -1;
}

/** The file formats the WAL reads. */
export type LogFormat = 'vipc' | 'venice';

/** Everything recovery needs to know about one log image. */
export interface LogAnalysis {
  readonly format: LogFormat;
  readonly config: { readonly capacity: number; readonly compress: boolean } | undefined;
  /** Live DATA records in log order, with their byte ranges. */
  readonly live: (RecoveredEntry & { readonly offset: number; readonly end: number })[];
  /** Byte range of the CONFIG record. */
  readonly configRange: { readonly offset: number; readonly end: number } | undefined;
  /** Valid records read. */
  readonly records: number;
  /** DATA records consumed by a later ACK. */
  readonly consumed: number;
  readonly damage: Damage[];
  readonly tail: Tail | undefined;
  /** A fatal problem other than damage (bad header, no CONFIG …), or undefined. */
  readonly fatal: { readonly offset: number; readonly reason: string } | undefined;
  /** Non-fatal oddities worth a warning. */
  readonly notes: string[];
}

/** Which format `buf` is in, `'empty'` for 0 bytes, or `'unknown'`. */
export function detectFormat(buf: Buffer): LogFormat | 'empty' | 'unknown' {
  if (buf.length === 0) return 'empty';
  if (buf.length >= 4 && buf.subarray(0, 4).equals(VENICE_MAGIC)) return 'venice';
  const n = Math.min(buf.length, FILE_MAGIC.length);
  if (buf.subarray(0, n).equals(FILE_MAGIC.subarray(0, n))) return 'vipc';
  return 'unknown';
}

/**
 * Scans a whole log image (ours or Venice) and computes its live set: CONFIG, then every DATA
 * record without a later ACK for its id, in order. `salvage` keeps scanning past damage.
 */
export function analyzeLog(buf: Buffer, maxBody: number, salvage: boolean): LogAnalysis {
  const kind = detectFormat(buf);
  const format: LogFormat = kind === 'venice' ? 'venice' : 'vipc';
  let fatal: LogAnalysis['fatal'];
  let start = 0;
  let decode: RecordDecoder;
  let marker: Buffer;
  let complete: CompletenessCheck;
  if (format === 'venice') {
    decode = (b, o) => decodeVeniceRecord(b, o, maxBody);
    marker = VENICE_MAGIC;
    complete = isCompleteVeniceRecord;
  } else {
    decode = (b, o) => decodeRecord(b, o, maxBody);
    marker = RECORD_MARKER;
    complete = isCompleteRecord;
    const bad = kind === 'unknown' ? 'not a venice-ipc or Venice log' : checkFileHeader(buf);
    start = FILE_HEADER_SIZE;
    if (bad !== undefined && !(salvage && !bad.startsWith('unsupported'))) fatal = { offset: 0, reason: bad };
  }
  const scan = fatal === undefined ? scanRecords(buf, start, decode, marker, salvage, complete) : { records: [], damage: [], tail: undefined };
  const result = liveSet(scan.records);
  if (fatal === undefined && result.config === undefined) {
    fatal = { offset: start, reason: 'no valid CONFIG record' };
  }
  return { format, ...result, damage: scan.damage, tail: scan.tail, fatal, records: scan.records.length };
}

function liveSet(records: readonly ScannedRecord[]): Pick<LogAnalysis, 'config' | 'configRange' | 'live' | 'consumed' | 'notes'> {
  let config: LogAnalysis['config'];
  let configRange: LogAnalysis['configRange'];
  const notes: string[] = [];
  const entries: (LogAnalysis['live'][number] | undefined)[] = [];
  const byId = new Map<string, number[]>(); // id -> indexes into entries, oldest first
  let consumed = 0;
  for (const { offset, end, record } of records) {
    switch (record.type) {
      case 'config':
        if (config === undefined) {
          config = { capacity: record.capacity, compress: record.compress };
          configRange = { offset, end };
        } else notes.push(`extra CONFIG record at offset ${offset} ignored`);
        break;
      case 'data': {
        if (config === undefined) notes.push(`DATA record at offset ${offset} precedes CONFIG`);
        const list = byId.get(record.id) ?? [];
        if (list.length > 0) notes.push(`duplicate live id ${record.id} at offset ${offset}`);
        list.push(entries.length);
        byId.set(record.id, list);
        entries.push({ id: record.id, expiresAt: record.expiresAt, payload: record.payload, offset, end });
        break;
      }
      case 'ack': {
        // An ACK consumes the oldest live DATA with that id; ACKs of ids never logged are harmless.
        const list = byId.get(record.id);
        const idx = list?.shift();
        if (idx === undefined) break;
        if (list!.length === 0) byId.delete(record.id);
        entries[idx] = undefined;
        consumed++;
        break;
      }
    }
  }
  const live = entries.filter((e) => e !== undefined);
  if (config !== undefined && live.length > config.capacity) {
    notes.push(`${live.length} live entries exceed the capacity ${config.capacity}; all are kept`);
  }
  return { config, configRange, live, consumed, notes };
}
