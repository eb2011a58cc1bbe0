/** Startup: clean leftovers, read every log, refuse on mid-file damage, repair and convert. */
import { join } from 'node:path';
import { ErrorCode, WalError } from '../errors.js';
import { BAK_SUFFIX, COMPACT_SUFFIX, CORRUPT_SUFFIX, LOG_SUFFIX, NEW_SUFFIX, ioError, queueOfFile, replaceDurably, writeDurably } from './files.js';
import { FILE_HEADER_SIZE, encodeConfig, encodeEntry, encodeFileHeader } from './format.js';
import type { WalFile } from './fs.js';
import type { WalOptions } from './options.js';
import { analyzeLog } from './scan.js';
import type { Damage, LogAnalysis, LogFormat } from './scan.js';
import type { RecoveredQueue } from './types.js';

/** What recovery did to one log file. */
export interface RecoveredFileReport {
  /** File name inside the WAL directory. */
  readonly file: string;
  readonly queue: string;
  /** The format the file was in when opened (`venice` files are converted). */
  readonly format: LogFormat;
  /** Valid records read. */
  readonly records: number;
  /** Live DATA records returned. */
  readonly live: number;
  /** DATA records consumed by an ACK. */
  readonly consumed: number;
  /** A torn or zero-filled tail that was cut off. */
  readonly truncatedTail: { readonly offset: number; readonly bytes: number; readonly reason: string } | undefined;
  /** With `salvage`: the damaged ranges skipped and where the original was copied. */
  readonly salvaged: { readonly corruptCopy: string; readonly damage: readonly Damage[] } | undefined;
  /** Converted from the Venice format. */
  readonly converted: boolean;
  /** Rewritten with live records only. */
  readonly compacted: boolean;
  /** More live entries than the capacity (all kept). */
  readonly overCapacity: boolean;
}

/** What `WriteAheadLog.open` found and did. */
export interface RecoveryReport {
  readonly files: readonly RecoveredFileReport[];
  /** Every warning, also passed to `onWarning`. */
  readonly warnings: readonly string[];
}

/** A recovered log ready to become a QueueLog. */
export interface RecoveredLog {
  readonly fileName: string;
  readonly queue: RecoveredQueue;
  readonly file: WalFile;
  readonly size: number;
  readonly live: Map<string, number>;
  readonly liveBytes: number;
}

/** Deletes temporaries of interrupted writes and restores an interrupted Venice compaction. */
async function cleanLeftovers(dir: string, o: WalOptions, warn: (m: string) => void): Promise<void> {
  const names = new Set(await o.fs.readdir(dir));
  let changed = false;
  const base = (n: string, suffix: string): string => n.slice(0, -suffix.length);
  for (const n of [...names].sort()) {
    if (n.endsWith(NEW_SUFFIX)) {
      await o.fs.unlink(join(dir, n));
      warn(`${n}: removed an incomplete log creation`);
      changed = true;
    } else if (n.endsWith(BAK_SUFFIX)) {
      const log = base(n, BAK_SUFFIX) + LOG_SUFFIX;
      // Venice renames log → .bak, then .compact → log: with the log missing, .bak is the last complete image.
      if (names.has(log)) await o.fs.unlink(join(dir, n));
      else await o.fs.rename(join(dir, n), join(dir, log));
      warn(names.has(log) ? `${n}: removed the backup of a finished Venice compaction` : `${n}: restored as ${log} (interrupted Venice compaction)`);
      names.add(log);
      changed = true;
    }
  }
  for (const n of names) {
    if (!n.endsWith(COMPACT_SUFFIX)) continue;
    if (names.has(base(n, COMPACT_SUFFIX) + LOG_SUFFIX)) {
      // A rename is atomic, so a temporary next to its log was never committed.
      await o.fs.unlink(join(dir, n));
      warn(`${n}: removed an uncommitted compaction`);
      changed = true;
    } else warn(`${n}: left alone, no log file next to it`);
  }
  if (changed) await o.fs.syncDir(dir);
}

function corruptError(path: string, a: LogAnalysis): WalError {
  if (a.fatal !== undefined) return new WalError(ErrorCode.WAL_CORRUPT, `${path}: ${a.fatal.reason} at byte offset ${a.fatal.offset}`);
  const d = a.damage[0]!;
  if (d.lastRecord === true) {
    return new WalError(
      ErrorCode.WAL_CORRUPT,
      `${path}: corrupt record at byte offset ${d.offset} (${d.reason}); it is complete, so not a torn write but damage to a ` +
        'record that was synced; refusing to drop it (open with salvage to keep every valid record)',
    );
  }
  return new WalError(
    ErrorCode.WAL_CORRUPT,
    `${path}: corrupt record at byte offset ${d.offset} (${d.reason}) followed by valid records from offset ${d.resumeAt}; ` +
      'refusing to drop them (open with salvage to keep every valid record)',
  );
}

/** Reads, checks, repairs and opens every log of `dir` (see docs/wal.md "Recovery"). */
export async function recoverDir(dir: string, o: WalOptions): Promise<{ logs: RecoveredLog[]; report: RecoveryReport }> {
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
    o.onWarning(m);
  };
  const images: { fileName: string; buf: Buffer; a: LogAnalysis }[] = [];
  try {
    await cleanLeftovers(dir, o, warn);
    for (const fileName of (await o.fs.readdir(dir)).filter((n) => n.endsWith(LOG_SUFFIX)).sort()) {
      const buf = await o.fs.readFile(join(dir, fileName));
      if (buf.length === 0) {
        warn(`${fileName}: empty file ignored`);
        continue;
      }
      images.push({ fileName, buf, a: analyzeLog(buf, o.maxRecordBytes, o.salvage) });
    }
  } catch (err) {
    throw ioError(`Cannot read the WAL directory ${dir}`, err);
  }
  // Refuse before changing any file: all logs are checked first.
  for (const { fileName, a } of images) {
    if (a.fatal !== undefined || (a.damage.length > 0 && !o.salvage)) throw corruptError(join(dir, fileName), a);
  }
  const logs: RecoveredLog[] = [];
  const files: RecoveredFileReport[] = [];
  try {
    for (const img of images) {
      const r = await recoverOne(dir, img.fileName, img.buf, img.a, o, warn);
      logs.push(r.log);
      files.push(r.report);
    }
  } catch (err) {
    await Promise.all(logs.map((l) => l.file.close().catch(() => undefined)));
    throw ioError(`Cannot recover the WAL directory ${dir}`, err);
  }
  return { logs, report: { files, warnings } };
}

async function recoverOne(dir: string, fileName: string, buf: Buffer, a: LogAnalysis, o: WalOptions, warn: (m: string) => void): Promise<{ log: RecoveredLog; report: RecoveredFileReport }> {
  const path = join(dir, fileName);
  const config = a.config!;
  const name = queueOfFile(fileName);
  for (const note of a.notes) warn(`${fileName}: ${note}`);
  if (a.tail !== undefined) warn(`${fileName}: cut off a ${a.tail.length}-byte tail at offset ${a.tail.offset} (${a.tail.reason})`);
  const converted = a.format === 'venice';
  const salvaging = a.damage.length > 0;
  for (const d of a.damage) warn(`${fileName}: salvage skipped bytes ${d.offset}..${d.resumeAt} (${d.reason})`);
  const dead = buf.length - (a.configRange?.end ?? 0) - a.live.reduce((n, e) => n + e.end - e.offset, 0);
  const compact = converted || salvaging || (o.compactAtStart && dead > 0);
  const live = new Map<string, number>();
  let size: number;
  if (compact) {
    if (salvaging) await writeDurably(o.fs, path.slice(0, -LOG_SUFFIX.length) + CORRUPT_SUFFIX, [buf]);
    const configRec = encodeConfig(config.capacity, config.compress);
    const chunks: Uint8Array[] = [encodeFileHeader(), configRec];
    for (const e of a.live) {
      // Our records are copied as they are; Venice ones are re-encoded (compressed again if flagged).
      const rec = converted ? encodeEntry(e.id, e.expiresAt, e.payload, config.compress, o.compressMinBytes) : [buf.subarray(e.offset, e.end)];
      chunks.push(...rec);
      live.set(e.id, rec.reduce((n, c) => n + c.length, 0));
    }
    size = await replaceDurably(o.fs, dir, fileName.slice(0, -LOG_SUFFIX.length) + COMPACT_SUFFIX, fileName, chunks);
  } else {
    size = a.tail?.offset ?? buf.length;
    for (const e of a.live) live.set(e.id, e.end - e.offset);
  }
  const file = await o.fs.open(path, 'r+');
  try {
    if (!compact && a.tail !== undefined) {
      await file.truncate(size);
      await file.datasync();
    }
  } catch (err) {
    await file.close().catch(() => undefined);
    throw err;
  }
  const configSize = compact ? encodeConfig(1, false).length : a.configRange!.end - a.configRange!.offset;
  const liveBytes = FILE_HEADER_SIZE + configSize + [...live.values()].reduce((n, s) => n + s, 0);
  const entries = a.live.map((e) => ({ id: e.id, expiresAt: e.expiresAt, payload: Buffer.from(e.payload) }));
  const overCapacity = entries.length > config.capacity;
  return {
    log: { fileName, file, size, live, liveBytes, queue: { name, capacity: config.capacity, compress: config.compress, entries } },
    report: {
      file: fileName,
      queue: name,
      format: a.format,
      records: a.records,
      live: entries.length,
      consumed: a.consumed,
      truncatedTail: a.tail === undefined ? undefined : { offset: a.tail.offset, bytes: a.tail.length, reason: a.tail.reason },
      salvaged: salvaging ? { corruptCopy: fileName.slice(0, -LOG_SUFFIX.length) + CORRUPT_SUFFIX, damage: a.damage } : undefined,
      converted,
      compacted: compact,
      overCapacity,
    },
  };
}
