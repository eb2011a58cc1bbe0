/** The write-ahead log layer: opaque records per durable queue (docs/wal.md). */
export { openWriteAheadLog } from './wal.js';
export type { WriteAheadLog, WalOpenResult } from './wal.js';
export type { QueueLog, QueueLogStats } from './queue-log.js';
export type { RecoveredEntry, RecoveredQueue } from './types.js';
export type { RecoveredFileReport, RecoveryReport } from './recovery.js';
export type { Damage, LogFormat } from './scan.js';
export { DEFAULT_WAL_OPTIONS } from './options.js';
export type { WalOptions } from './options.js';
export { nodeFileSystem } from './fs.js';
export type { WalFile, WalFileSystem } from './fs.js';
export { verifyWalDir, dumpWalDir } from './inspect.js';
export type { VerifiedLog, VerifyResult } from './inspect.js';
