import { ArgumentError, ErrorCode } from '../errors.js';
import { nodeFileSystem } from './fs.js';
import type { WalFileSystem } from './fs.js';

/** Options of `WriteAheadLog.open`, `verifyWalDir` and `dumpWalDir`. */
export interface WalOptions {
  /** Compression flag written into the CONFIG of logs created from now on. Defaults to false. */
  readonly compress: boolean;
  /** DATA payloads at least this long are GZIP-compressed in compressing logs. Defaults to 300 (as Venice). */
  readonly compressMinBytes: number;
  /** Compact every log while opening. Defaults to false. */
  readonly compactAtStart: boolean;
  /**
   * A log is compacted automatically once its dead bytes reach this many *and* at least the
   * live bytes (half the file is dead). Defaults to 64 MiB.
   */
  readonly compactThresholdBytes: number;
  /** Largest DATA payload accepted, stored or decompressed. Defaults to 256 MiB. */
  readonly maxRecordBytes: number;
  /**
   * On mid-file corruption keep every valid record (copying the damaged file to
   * `<file>.corrupt`) instead of refusing to open. Defaults to false.
   */
  readonly salvage: boolean;
  /**
   * ACK linger: a sync cycle holding only ACK records waits for the next DATA record (at most
   * one cycle time, ≤ 2 ms) while producers are active, so both share one `fdatasync`
   * (docs/wal.md "Sync scheduler"). Defaults to true.
   */
  readonly ackLinger: boolean;
  /** File-system seam (fault injection, counting). Defaults to `node:fs/promises`. */
  readonly fs: WalFileSystem;
  /** Receives every recovery and compaction warning. Defaults to ignoring them (they are also in the report). */
  readonly onWarning: (message: string) => void;
}

/** Defaults of {@link WalOptions}. */
export const DEFAULT_WAL_OPTIONS: WalOptions = Object.freeze({
  compress: false,
  compressMinBytes: 300,
  compactAtStart: false,
  compactThresholdBytes: 64 * 1024 * 1024,
  maxRecordBytes: 256 * 1024 * 1024,
  salvage: false,
  ackLinger: true,
  fs: nodeFileSystem,
  onWarning: () => undefined,
});

const KEYS = new Set(Object.keys(DEFAULT_WAL_OPTIONS));

/** Validates options once and fills in defaults; never writes to `opts`. */
export function resolveWalOptions(opts: Readonly<Partial<WalOptions>> = {}): WalOptions {
  for (const key of Object.keys(opts)) {
    if (!KEYS.has(key)) throw new ArgumentError(ErrorCode.INVALID_OPTION, `Unknown WAL option '${key}'`);
  }
  const o: WalOptions = { ...DEFAULT_WAL_OPTIONS, ...opts };
  const int = (name: keyof WalOptions, v: number, min: number): void => {
    if (!Number.isSafeInteger(v) || v < min) throw new ArgumentError(ErrorCode.INVALID_OPTION, `WAL option ${name} must be an integer >= ${min}`);
  };
  int('compressMinBytes', o.compressMinBytes, 0);
  int('compactThresholdBytes', o.compactThresholdBytes, 0);
  int('maxRecordBytes', o.maxRecordBytes, 1);
  for (const k of ['compress', 'compactAtStart', 'salvage', 'ackLinger'] as const) {
    if (typeof o[k] !== 'boolean') throw new ArgumentError(ErrorCode.INVALID_OPTION, `WAL option ${k} must be a boolean`);
  }
  if (typeof o.onWarning !== 'function') throw new ArgumentError(ErrorCode.INVALID_OPTION, 'WAL option onWarning must be a function');
  return o;
}
