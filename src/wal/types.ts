/** A decoded log record, common to our format and the Venice format. */
export type WalRecord =
  | { readonly type: 'config'; readonly capacity: number; readonly compress: boolean }
  | { readonly type: 'data'; readonly id: string; readonly expiresAt: number; readonly payload: Buffer }
  | { readonly type: 'ack'; readonly id: string };

/** What a record decoder found at an offset. */
export type DecodeResult =
  | { readonly ok: true; readonly record: WalRecord; readonly end: number }
  | { readonly ok: false; readonly reason: string };

/** Decodes the record starting at `offset` of `buf` (never throws). */
export type RecordDecoder = (buf: Buffer, offset: number) => DecodeResult;

/** One message that survives a restart: a DATA record without a later ACK. */
export interface RecoveredEntry {
  /** The message id given to `appendData`. */
  readonly id: string;
  /** Expiry time in ms since the epoch, or -1 for none (Venice logs always hold -1). */
  readonly expiresAt: number;
  /** The payload as given to `appendData` (decompressed). */
  readonly payload: Buffer;
}

/** A queue found in the WAL directory, with its live entries in log order. */
export interface RecoveredQueue {
  /** Queue name (file name without `.wal`, `$` mapped back to `/`). */
  readonly name: string;
  /** Capacity from the CONFIG record. */
  readonly capacity: number;
  /** Whether DATA records of this queue may be compressed (from CONFIG). */
  readonly compress: boolean;
  /** Live entries, oldest first. May exceed `capacity` (reported, never dropped). */
  readonly entries: readonly RecoveredEntry[];
}
