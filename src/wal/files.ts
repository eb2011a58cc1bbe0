/** File naming and crash-safe whole-file writes. */
import { join } from 'node:path';
import { ArgumentError, ErrorCode, WalError } from '../errors.js';
import { writeFully } from './fs.js';
import type { WalFileSystem } from './fs.js';

/** Suffix of queue logs. */
export const LOG_SUFFIX = '.wal';
/** Temporary file of a rewrite (compaction, conversion, salvage); never authoritative. */
export const COMPACT_SUFFIX = '.wal.compact';
/** Temporary file of a log being created; never authoritative. */
export const NEW_SUFFIX = '.wal.new';
/** Backup left by a Venice compaction interrupted between its two renames. */
export const BAK_SUFFIX = '.wal.bak';
/** Copy of a damaged log kept by salvage. */
export const CORRUPT_SUFFIX = '.wal.corrupt';

const QUEUE_NAME = /^[A-Za-z0-9_/-]{1,80}$/;

/** `queue/orders` → `queue$orders` (SEMANTICS §6.3); throws on names Venice does not allow. */
export function fileBaseOf(queue: string): string {
  if (!QUEUE_NAME.test(queue)) {
    throw new ArgumentError(ErrorCode.INVALID_QUEUE_NAME, `Invalid queue name '${queue}' for a write-ahead log`);
  }
  return queue.replaceAll('/', '$');
}

/** `queue$orders.wal` → `queue/orders`. */
export function queueOfFile(fileName: string): string {
  return fileName.slice(0, -LOG_SUFFIX.length).replaceAll('$', '/');
}

/** Wraps a failed file operation into `WalError(WAL_IO)`. */
export function ioError(what: string, err: unknown): WalError {
  return err instanceof WalError ? err : new WalError(ErrorCode.WAL_IO, `${what}: ${String((err as Error)?.message ?? err)}`, { cause: err });
}

/** Writes `chunks` into a new file at `path` and fsyncs it (data and size). */
export async function writeDurably(fs: WalFileSystem, path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const file = await fs.open(path, 'w');
  try {
    await writeFully(file, chunks, 0);
    await file.sync();
  } finally {
    await file.close();
  }
}

/**
 * Step 1 of a crash-safe replace: writes and fsyncs `dir/tmpName`. On failure the temporary
 * is removed (best effort; the next open deletes leftovers anyway) and the target is untouched.
 */
export async function writeTemp(fs: WalFileSystem, dir: string, tmpName: string, chunks: readonly Uint8Array[]): Promise<void> {
  const tmp = join(dir, tmpName);
  try {
    await writeDurably(fs, tmp, chunks);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw ioError(`Cannot write ${tmp}`, err);
  }
}

/**
 * Step 2: renames `tmpName` over `name` (atomic) and fsyncs the directory. After a failure
 * the caller cannot know which file the directory holds: both are valid images of the log.
 */
export async function commitTemp(fs: WalFileSystem, dir: string, tmpName: string, name: string): Promise<void> {
  try {
    await fs.rename(join(dir, tmpName), join(dir, name));
    await fs.syncDir(dir);
  } catch (err) {
    throw ioError(`Cannot rename ${tmpName} to ${name} in ${dir}`, err);
  }
}

/** {@link writeTemp} then {@link commitTemp}; returns the new file's size. */
export async function replaceDurably(fs: WalFileSystem, dir: string, tmpName: string, name: string, chunks: readonly Uint8Array[]): Promise<number> {
  await writeTemp(fs, dir, tmpName, chunks);
  await commitTemp(fs, dir, tmpName, name);
  return chunks.reduce((n, c) => n + c.length, 0);
}
