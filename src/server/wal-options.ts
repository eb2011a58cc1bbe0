/** Validation of the write-ahead log options of `createServer` (SEMANTICS §6.1, §15). */
import { resolve } from 'node:path';
import { debuglog } from 'node:util';
import { ArgumentError, ErrorCode } from '../errors.js';
import { parseSize, type SizeValue } from '../util/units.js';
import { DEFAULT_WAL_OPTIONS } from '../wal/options.js';
import type { WalFileSystem } from '../wal/fs.js';

const debug = debuglog('venice-ipc');

/** Default of `walCompress` (Venice `:write-ahead-log-compress`). */
export const DEFAULT_WAL_COMPRESS = false;
/** Default of `walCompact` (Venice `:write-ahead-log-compact`). */
export const DEFAULT_WAL_COMPACT = false;
/** Default of `walCompactThreshold`: 64 MiB of dead bytes (and at least half the file). */
export const DEFAULT_WAL_COMPACT_THRESHOLD = DEFAULT_WAL_OPTIONS.compactThresholdBytes;
/** Default of `walSalvage`. */
export const DEFAULT_WAL_SALVAGE = false;

/** Validated write-ahead log settings of a server. */
export interface WalSettings {
  /** Absolute path of the WAL directory. */
  readonly dir: string;
  readonly compress: boolean;
  readonly compact: boolean;
  readonly compactThresholdBytes: number;
  readonly salvage: boolean;
  readonly onWarning: (message: string) => void;
  readonly fs: WalFileSystem;
}

/** The WAL-related members of `ServerOptions` (kept here so options.ts only adds one line). */
export interface WalServerOptions {
  /**
   * Directory of the write-ahead log (Venice `:write-ahead-log-dir`); it must exist and be
   * writable. Enables durable queues: their logs are recovered before the server listens.
   * Defaults to none (no WAL, durable queues refused).
   */
  readonly walDir?: string;
  /** GZIP-compress large DATA records of durable queues created from now on (`:write-ahead-log-compress`). Defaults to false. */
  readonly walCompress?: boolean;
  /** Compact every log at start (`:write-ahead-log-compact`). Defaults to false. */
  readonly walCompact?: boolean;
  /**
   * A log is compacted while running once its dead bytes (consumed messages, ACKs) reach this
   * size *and* at least half the file (number or `"64MB"`). Defaults to 64 MiB.
   */
  readonly walCompactThreshold?: SizeValue;
  /**
   * Start even when a log has damage followed by valid records: keep every valid record and
   * copy the damaged file to `<file>.corrupt`. Defaults to false (the start fails, naming file and offset).
   */
  readonly walSalvage?: boolean;
  /** Receives WAL recovery and compaction warnings (e.g. a torn tail cut off). Defaults to `NODE_DEBUG=venice-ipc` output. */
  readonly onWalWarning?: (message: string) => void;
  /**
   * Internal, for fault-injection tests and benchmarks only (not a stable API): the file-system
   * seam of the write-ahead log. Defaults to `node:fs/promises`.
   */
  readonly walFileSystem?: WalFileSystem;
}

function opt(msg: string): never {
  throw new ArgumentError(ErrorCode.INVALID_OPTION, msg);
}

function bool(v: unknown, name: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') opt(`${name} must be a boolean`);
  return v;
}

/**
 * Validates the WAL options (types only; whether the directory exists is checked when the
 * server starts). Returns undefined without `walDir`; the other options are then ignored.
 */
export function resolveWalSettings(o: Readonly<WalServerOptions>): WalSettings | undefined {
  const compress = bool(o.walCompress, 'walCompress', DEFAULT_WAL_COMPRESS);
  const compact = bool(o.walCompact, 'walCompact', DEFAULT_WAL_COMPACT);
  const salvage = bool(o.walSalvage, 'walSalvage', DEFAULT_WAL_SALVAGE);
  const threshold = o.walCompactThreshold === undefined ? DEFAULT_WAL_COMPACT_THRESHOLD : parseSize(o.walCompactThreshold, 'walCompactThreshold');
  if (!Number.isSafeInteger(threshold) || threshold < 0) opt('walCompactThreshold must be a size >= 0');
  if (o.onWalWarning !== undefined && typeof o.onWalWarning !== 'function') opt('onWalWarning must be a function');
  const fs = o.walFileSystem;
  if (fs !== undefined && (fs === null || typeof fs !== 'object')) opt('walFileSystem must be a WalFileSystem');
  const dir = o.walDir;
  if (dir === undefined) return undefined;
  if (typeof dir !== 'string' || dir.trim() === '') opt('walDir must be a non-empty directory path');
  return {
    dir: resolve(dir),
    compress,
    compact,
    compactThresholdBytes: threshold,
    salvage,
    onWarning: o.onWalWarning ?? ((m) => debug('write-ahead log: %s', m)),
    fs: fs ?? DEFAULT_WAL_OPTIONS.fs,
  };
}
