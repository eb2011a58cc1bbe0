/** One queue's log file: group-committed appends and online compaction. */
import { join } from 'node:path';
import { ArgumentError, ErrorCode, WalError } from '../errors.js';
import { deferred } from '../util/deferred.js';
import type { Deferred } from '../util/deferred.js';
import { COMPACT_SUFFIX, commitTemp, ioError, writeTemp } from './files.js';
import { encodeAck, encodeEntry } from './format.js';
import { writeFully } from './fs.js';
import type { WalFile, WalFileSystem } from './fs.js';
import { analyzeLog } from './scan.js';
import { walSyncChannel } from '../util/diagnostics.js';
import type { SyncParticipant, SyncScheduler } from './sync-scheduler.js';

/** Counters of a {@link QueueLog}. */
export interface QueueLogStats {
  /** Records made durable since the log was opened. */
  readonly records: number;
  /** `fdatasync` calls for appends (one per batch). */
  readonly syncs: number;
  /** Bytes appended since the log was opened. */
  readonly bytes: number;
  /** Compactions done since the log was opened. */
  readonly compactions: number;
  /** Current size of the file. */
  readonly fileBytes: number;
  /** Bytes of the file no longer needed (consumed DATA, ACKs); compaction reclaims them. */
  readonly deadBytes: number;
}

/** The log of one durable queue. Get one from `WriteAheadLog.createQueueLog` or `queueLog`. */
export interface QueueLog {
  /** Queue name. */
  readonly name: string;
  /** Capacity recorded in the CONFIG record. */
  readonly capacity: number;
  /** Whether large DATA payloads are GZIP-compressed (fixed when the log was created). */
  readonly compress: boolean;
  /**
   * Appends a DATA record and resolves once it is durable (written and `fdatasync`ed, maybe
   * together with concurrent appends). Order of calls = order in the log. Rejects with
   * `WalError(WAL_IO)` if the write or sync failed (the log is then {@link failed}), with
   * `WAL_CLOSED` after close, with `ArgumentError` for a bad or already-live id.
   */
  appendData(id: string, expiresAt: number, payload: Uint8Array): Promise<void>;
  /**
   * Appends an ACK consuming the live DATA record `id`; resolves once durable, rejects like
   * {@link appendData}. For an id without a live DATA record nothing is written.
   */
  appendAck(id: string): Promise<void>;
  /** Rewrites the file with only its live records (also done automatically, see docs/wal.md). */
  compact(): Promise<void>;
  /** The error that broke the log after a failed write or sync; later appends reject with it. */
  readonly failed: WalError | undefined;
  /** Number of live DATA records (including appends not yet durable). */
  readonly liveCount: number;
  /** Counters. */
  readonly stats: QueueLogStats;
}

/** What the WriteAheadLog hands a new QueueLogImpl. */
export interface QueueLogInit {
  readonly fs: WalFileSystem;
  readonly dir: string;
  readonly fileName: string;
  readonly name: string;
  readonly capacity: number;
  readonly compress: boolean;
  readonly file: WalFile;
  readonly size: number;
  /** Live ids → size in bytes of their DATA record, in log order. */
  readonly live: Map<string, number>;
  /** Bytes of the file that are live: header + CONFIG + live DATA. */
  readonly liveBytes: number;
  readonly compressMinBytes: number;
  readonly compactThresholdBytes: number;
  readonly maxRecordBytes: number;
  readonly warn: (msg: string) => void;
  /** The sync scheduler shared by every log of the directory. */
  readonly scheduler: SyncScheduler;
  /** Called once closed, so the WriteAheadLog forgets the log. */
  readonly onClosed: () => void;
}

/**
 * Internal implementation of {@link QueueLog}. Appends are encoded at once (log order = call
 * order) and wait in the pending batch; the shared {@link SyncScheduler} calls {@link flush} in
 * its next cycle, which writes the batch and `fdatasync`s it (compacting first or after, when
 * due). At most one flush per log runs at a time because a cycle waits for all of its flushes.
 */
export class QueueLogImpl implements QueueLog, SyncParticipant {
  readonly name: string;
  readonly capacity: number;
  readonly compress: boolean;
  readonly #init: QueueLogInit;
  readonly #live: Map<string, number>;
  #file: WalFile;
  #size: number;
  #liveBytes: number;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #waiters: Deferred<void>[] = [];
  #compactWaiters: Deferred<void>[] = [];
  /** DATA records in the pending batch. */
  #pendingDataCount = 0;
  /** True from {@link #kick} until the scheduler's cycle has run our flush. */
  #requested = false;
  /** The flush in progress, if any. */
  #flushing: Promise<void> | undefined;
  /** Close waits for these: resolved whenever a flush ends with nothing requested. */
  #idleWaiters: Deferred<void>[] = [];
  #failed: WalError | undefined;
  #closed: Promise<void> | undefined;
  #autoCompact = true;
  #stats = { records: 0, syncs: 0, bytes: 0, compactions: 0 };

  constructor(init: QueueLogInit) {
    this.#init = init;
    this.name = init.name;
    this.capacity = init.capacity;
    this.compress = init.compress;
    this.#file = init.file;
    this.#size = init.size;
    this.#live = init.live;
    this.#liveBytes = init.liveBytes;
  }

  get failed(): WalError | undefined {
    return this.#failed;
  }

  get liveCount(): number {
    return this.#live.size;
  }

  get stats(): QueueLogStats {
    return { ...this.#stats, fileBytes: this.#size, deadBytes: this.#deadBytes() };
  }

  appendData(id: string, expiresAt: number, payload: Uint8Array): Promise<void> {
    const refused = this.#refusal();
    if (refused !== undefined) return Promise.reject(refused);
    if (typeof id !== 'string' || id.length === 0 || Buffer.byteLength(id) > 0xffff) {
      return Promise.reject(new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'A WAL entry id must be a non-empty string of at most 65535 bytes'));
    }
    if (!Number.isSafeInteger(expiresAt) || expiresAt < -1) {
      return Promise.reject(new ArgumentError(ErrorCode.INVALID_ARGUMENT, `Invalid expiresAt ${expiresAt}: expected -1 or ms since the epoch`));
    }
    if (!(payload instanceof Uint8Array) || payload.length > this.#init.maxRecordBytes) {
      return Promise.reject(new ArgumentError(ErrorCode.INVALID_ARGUMENT, `A WAL payload must be a Uint8Array of at most ${this.#init.maxRecordBytes} bytes`));
    }
    if (this.#live.has(id)) {
      return Promise.reject(new ArgumentError(ErrorCode.INVALID_ARGUMENT, `Id ${id} is already live in the log of queue ${this.name}`));
    }
    const chunks = encodeEntry(id, expiresAt, payload, this.compress, this.#init.compressMinBytes);
    const size = chunks.reduce((n, c) => n + c.length, 0);
    this.#live.set(id, size);
    this.#liveBytes += size;
    this.#pendingDataCount++;
    return this.#enqueue(chunks, size);
  }

  appendAck(id: string): Promise<void> {
    const refused = this.#refusal();
    if (refused !== undefined) return Promise.reject(refused);
    const dataSize = this.#live.get(id);
    if (dataSize === undefined) return Promise.resolve();
    this.#live.delete(id);
    this.#liveBytes -= dataSize;
    const rec = encodeAck(id);
    return this.#enqueue([rec], rec.length);
  }

  compact(): Promise<void> {
    const refused = this.#refusal();
    if (refused !== undefined) return Promise.reject(refused);
    const d = deferred<void>();
    this.#compactWaiters.push(d);
    this.#kick();
    return d.promise;
  }

  get pendingData(): boolean {
    return this.#pendingDataCount > 0;
  }

  /** Stops appends, waits for pending batches, closes the file. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async (): Promise<void> => {
      if (this.#requested || this.#flushing !== undefined) {
        const d = deferred<void>();
        this.#idleWaiters.push(d);
        await d.promise;
      }
      await this.#file.close().catch((err: unknown) => this.#init.warn(`closing ${this.#init.fileName}: ${String(err)}`));
      this.#init.onClosed();
    })();
    return this.#closed;
  }

  #refusal(): WalError | undefined {
    if (this.#closed !== undefined) return new WalError(ErrorCode.WAL_CLOSED, `The log of queue ${this.name} is closed`);
    return this.#failed;
  }

  #deadBytes(): number {
    return Math.max(0, this.#size + this.#pendingBytes - this.#liveBytes);
  }

  #enqueue(chunks: Uint8Array[], size: number): Promise<void> {
    const d = deferred<void>();
    this.#pending.push(...chunks);
    this.#pendingBytes += size;
    this.#waiters.push(d);
    this.#kick();
    return d.promise;
  }

  #kick(): void {
    if (this.#requested && !this.#pendingData1()) return;
    this.#requested = true;
    this.#init.scheduler.request(this);
  }

  /** True right after the first DATA record joined the pending batch (wakes a lingering cycle). */
  #pendingData1(): boolean {
    return this.#pendingDataCount === 1;
  }

  /** Called by the scheduler, once per cycle: compaction if asked, the pending batch, auto-compaction. */
  flush(): Promise<void> {
    this.#requested = false;
    // The catch only guards against a bug: every step settles its own waiters.
    const p = this.#flushSteps().catch((err: unknown) => this.#fail(ioError(`WAL ${this.#init.fileName}`, err), []));
    this.#flushing = p;
    return p.finally(() => {
      this.#flushing = undefined;
      if (this.#failed !== undefined) for (const d of this.#compactWaiters.splice(0)) d.reject(this.#failed);
      // Records or compactions requested during this flush: the scheduler runs us again.
      if (!this.#requested) for (const d of this.#idleWaiters.splice(0)) d.resolve();
    });
  }

  async #flushSteps(): Promise<void> {
    if (this.#failed !== undefined) return;
    if (this.#compactWaiters.length > 0) await this.#compactNow();
    if (this.#waiters.length > 0 && this.#failed === undefined) await this.#flushBatch();
    const dead = this.#deadBytes();
    if (this.#failed === undefined && this.#autoCompact && dead >= this.#init.compactThresholdBytes && dead >= this.#liveBytes) await this.#compactNow();
  }

  async #flushBatch(): Promise<void> {
    const chunks = this.#pending;
    const waiters = this.#waiters;
    const bytes = this.#pendingBytes;
    this.#pending = [];
    this.#waiters = [];
    this.#pendingBytes = 0;
    const start = walSyncChannel.hasSubscribers ? performance.now() : 0;
    this.#pendingDataCount = 0;
    try {
      await writeFully(this.#file, chunks, this.#size, bytes);
      await this.#file.datasync();
    } catch (err) {
      await this.#fail(ioError(`Cannot append to ${join(this.#init.dir, this.#init.fileName)} at offset ${this.#size}`, err), waiters);
      return;
    }
    this.#size += bytes;
    this.#stats.syncs++;
    this.#stats.records += waiters.length;
    this.#stats.bytes += bytes;
    if (start !== 0 && walSyncChannel.hasSubscribers) {
      walSyncChannel.publish({ dir: this.#init.dir, queue: this.name, records: waiters.length, bytes, durationMs: performance.now() - start });
    }
    for (const d of waiters) d.resolve();
  }

  /** Marks the log failed and rejects `batch` and everything pending; never resolves them. */
  async #fail(err: WalError, batch: Deferred<void>[]): Promise<void> {
    this.#failed ??= err;
    const all = [...batch, ...this.#waiters];
    this.#pending = [];
    this.#waiters = [];
    this.#pendingBytes = 0;
    this.#pendingDataCount = 0;
    for (const d of all) d.reject(this.#failed);
    // Best effort: cut the rejected records off so they do not come back at the next open.
    // If this fails too they may (the outcome of a failed append is unknown, docs/wal.md).
    try {
      await this.#file.truncate(this.#size);
      await this.#file.datasync();
    } catch {
      /* already failed; nothing more to do */
    }
  }

  /** Rewrites the durable part of the file with its live records only. */
  async #compactNow(): Promise<void> {
    const { fs, dir, fileName, warn } = this.#init;
    const waiters = this.#compactWaiters.splice(0);
    const path = join(dir, fileName);
    let chunks: Buffer[];
    try {
      const image = (await fs.readFile(path)).subarray(0, this.#size);
      const a = analyzeLog(image, this.#init.maxRecordBytes, false);
      if (a.fatal !== undefined || a.damage.length > 0 || a.tail !== undefined || a.configRange === undefined) {
        throw new WalError(ErrorCode.WAL_CORRUPT, `${path} does not read back cleanly; not compacting it`);
      }
      chunks = [image.subarray(0, a.configRange.end), ...a.live.map((e) => image.subarray(e.offset, e.end))];
      await writeTemp(fs, dir, fileName.slice(0, -4) + COMPACT_SUFFIX, chunks);
    } catch (err) {
      // Nothing changed on disk: keep appending to the old file, stop trying automatically.
      this.#autoCompact = false;
      warn(`compaction of ${path} failed, automatic compaction disabled for it: ${String(err)}`);
      for (const d of waiters) d.reject(ioError(`Cannot compact ${path}`, err));
      return;
    }
    try {
      await commitTemp(fs, dir, fileName.slice(0, -4) + COMPACT_SUFFIX, fileName);
      const file = await fs.open(path, 'r+');
      await this.#file.close().catch(() => undefined); // the old inode is gone; nothing to lose
      this.#file = file;
      this.#size = chunks.reduce((n, c) => n + c.length, 0);
      this.#stats.compactions++;
      for (const d of waiters) d.resolve();
    } catch (err) {
      // The directory may now name the new file while we hold the old one: appending could
      // lose records, so the log fails. Both files hold the same live set for the next open.
      await this.#fail(ioError(`Compaction of ${path} could not be committed`, err), waiters);
    }
  }
}
