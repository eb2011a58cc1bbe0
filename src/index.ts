export * from './errors.js';
export { verifyWalDir, dumpWalDir } from './wal/index.js';
export type { VerifyResult, VerifiedLog, RecoveredQueue, RecoveredEntry, Damage, LogFormat } from './wal/index.js';
