/** The write-ahead log of one directory: one {@link QueueLog} per durable queue. */
import { join } from 'node:path';
import { ArgumentError, ErrorCode, WalError } from '../errors.js';
import { LOG_SUFFIX, NEW_SUFFIX, commitTemp, fileBaseOf, ioError, writeTemp } from './files.js';
import { FILE_HEADER_SIZE, encodeConfig, encodeFileHeader } from './format.js';
import { resolveWalOptions } from './options.js';
import type { WalOptions } from './options.js';
import { QueueLogImpl } from './queue-log.js';
import type { QueueLog } from './queue-log.js';
import { recoverDir } from './recovery.js';
import { SyncScheduler } from './sync-scheduler.js';
import type { RecoveredLog, RecoveryReport } from './recovery.js';
import type { RecoveredQueue } from './types.js';

/** The logs of one WAL directory. Get one from {@link openWriteAheadLog}. */
export interface WriteAheadLog {
  /** The directory. */
  readonly dir: string;
  /**
   * Creates the log of a new durable queue: writes header + CONFIG to a temporary file,
   * fsyncs it, renames it to `<name with / → $>.wal` and fsyncs the directory. `compress`
   * defaults to the WAL's `compress` option and is fixed for the log's lifetime.
   * Rejects with `ArgumentError` if the queue already has a log.
   */
  createQueueLog(name: string, capacity: number, opts?: { readonly compress?: boolean }): Promise<QueueLog>;
  /** The open log of a queue, if any (recovered at open or created since). */
  queueLog(name: string): QueueLog | undefined;
  /** Names of the queues with an open log. */
  queueNames(): string[];
  /** Closes the queue's log (waiting for its pending appends), deletes the file, fsyncs the directory. */
  removeQueueLog(name: string): Promise<void>;
  /** Closes every log after its pending appends. Idempotent. */
  close(): Promise<void>;
}

/** What {@link openWriteAheadLog} resolves with. */
export interface WalOpenResult {
  readonly wal: WriteAheadLog;
  /** Every queue found, with its live entries in log order. */
  readonly queues: RecoveredQueue[];
  /** What recovery found and repaired. */
  readonly report: RecoveryReport;
}

/**
 * Opens a WAL directory (it must exist): recovers every `*.wal` file (ours or Venice's),
 * and returns the queues to rebuild. Rejects with `WalError(WAL_CORRUPT)` naming file and
 * offset when a log has damage followed by valid records (unless `salvage`), and with
 * `WAL_IO` when the directory cannot be read or repaired.
 */
export async function openWriteAheadLog(dir: string, options?: Readonly<Partial<WalOptions>>): Promise<WalOpenResult> {
  const o = resolveWalOptions(options);
  const { logs, report } = await recoverDir(dir, o);
  const wal = new WriteAheadLogImpl(dir, o);
  for (const log of logs) wal.adopt(log);
  return { wal, queues: logs.map((l) => l.queue), report };
}

class WriteAheadLogImpl implements WriteAheadLog {
  readonly dir: string;
  readonly #o: WalOptions;
  readonly #logs = new Map<string, QueueLogImpl>();
  /** Removals in progress (closing the log, deleting its file), by queue name. */
  readonly #removing = new Map<string, Promise<void>>();
  readonly #busy = new Set<string>();
  /** One sync scheduler for every log of the directory (docs/wal.md "Sync scheduler"). */
  readonly #scheduler: SyncScheduler;
  #closed: Promise<void> | undefined;

  constructor(dir: string, o: WalOptions) {
    this.dir = dir;
    this.#o = o;
    this.#scheduler = new SyncScheduler({ linger: o.ackLinger });
  }

  adopt(r: RecoveredLog): void {
    const { name, capacity, compress } = r.queue;
    this.#logs.set(name, this.#newLog(r.fileName, name, capacity, compress, r));
  }

  #newLog(fileName: string, name: string, capacity: number, compress: boolean, r: Pick<RecoveredLog, 'file' | 'size' | 'live' | 'liveBytes'>): QueueLogImpl {
    const o = this.#o;
    const log: QueueLogImpl = new QueueLogImpl({
      ...r,
      fs: o.fs,
      dir: this.dir,
      fileName,
      name,
      capacity,
      compress,
      compressMinBytes: o.compressMinBytes,
      compactThresholdBytes: o.compactThresholdBytes,
      maxRecordBytes: o.maxRecordBytes,
      warn: o.onWarning,
      scheduler: this.#scheduler,
      onClosed: () => {
        if (this.#logs.get(name) === log) this.#logs.delete(name);
      },
    });
    return log;
  }

  #checkOpen(): void {
    if (this.#closed !== undefined) throw new WalError(ErrorCode.WAL_CLOSED, `The write-ahead log ${this.dir} is closed`);
  }

  async createQueueLog(name: string, capacity: number, opts?: { readonly compress?: boolean }): Promise<QueueLog> {
    this.#checkOpen();
    // A removal of the same queue still deleting its file must finish first: the new log has
    // the same file name, and the old log's records must never reach the new queue.
    await this.#removing.get(name);
    this.#checkOpen();
    const base = fileBaseOf(name);
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > 0xffffffff) {
      throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, `Invalid capacity ${capacity} for the log of queue ${name}`);
    }
    if (this.#logs.has(name) || this.#busy.has(name)) {
      throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, `Queue ${name} already has a write-ahead log`);
    }
    const compress = opts?.compress ?? this.#o.compress;
    const fileName = base + LOG_SUFFIX;
    const header = encodeFileHeader();
    const config = encodeConfig(capacity, compress);
    this.#busy.add(name);
    try {
      await writeTemp(this.#o.fs, this.dir, base + NEW_SUFFIX, [header, config]);
      await commitTemp(this.#o.fs, this.dir, base + NEW_SUFFIX, fileName);
      const file = await this.#o.fs.open(join(this.dir, fileName), 'r+').catch((err: unknown) => {
        throw ioError(`Cannot open ${fileName}`, err);
      });
      const size = FILE_HEADER_SIZE + config.length;
      const log = this.#newLog(fileName, name, capacity, compress, { file, size, live: new Map(), liveBytes: size });
      if (this.#closed !== undefined) {
        await log.close();
        this.#checkOpen();
      }
      this.#logs.set(name, log);
      return log;
    } finally {
      this.#busy.delete(name);
    }
  }

  queueLog(name: string): QueueLog | undefined {
    return this.#logs.get(name);
  }

  queueNames(): string[] {
    return [...this.#logs.keys()];
  }

  removeQueueLog(name: string): Promise<void> {
    this.#checkOpen();
    const pending = this.#removing.get(name);
    if (pending !== undefined) return pending;
    const log = this.#logs.get(name);
    if (log === undefined) return Promise.resolve();
    // Gone from the directory of logs at once: nothing may find (and reuse) a closing log.
    this.#logs.delete(name);
    const path = join(this.dir, fileBaseOf(name) + LOG_SUFFIX);
    const removal = (async (): Promise<void> => {
      await log.close();
      try {
        await this.#o.fs.unlink(path);
        await this.#o.fs.syncDir(this.dir);
      } catch (err) {
        throw ioError(`Cannot delete ${path}`, err);
      }
    })();
    this.#removing.set(name, removal);
    const done = (): void => {
      if (this.#removing.get(name) === removal) this.#removing.delete(name);
    };
    removal.then(done, done);
    return removal;
  }

  close(): Promise<void> {
    this.#closed ??= Promise.all([...this.#logs.values()].map((l) => l.close())).then(() => undefined);
    return this.#closed;
  }
}
