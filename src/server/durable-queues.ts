/**
 * The write-ahead log feature of a server (SEMANTICS §6): opens the WAL directory with
 * recovery before the server listens, rebuilds the durable queues, journals durable queues,
 * deletes the log of a removed queue, closes the logs at shutdown and reports WAL status.
 */
import { stat, access, constants } from 'node:fs/promises';
import { ArgumentError, ErrorCode, WalError, isIpcError } from '../errors.js';
import type { Message } from '../message/message.js';
import { createQueueStore } from '../queue/memory-queue.js';
import type { QueueJournal } from '../queue/types.js';
import { decodeStoredMessage } from '../transport/stored-message.js';
import { openWriteAheadLog } from '../wal/wal.js';
import type { WriteAheadLog } from '../wal/wal.js';
import type { QueueLog, QueueLogStats } from '../wal/queue-log.js';
import type { RecoveredQueue } from '../wal/types.js';
import type { RecoveryReport } from '../wal/recovery.js';
import type { ServerFeature } from './core.js';
import type { QueueDurability, QueueRegistry } from './queue-registry.js';
import { WalJournal } from './wal-journal.js';
import type { WalSettings } from './wal-options.js';

/** Name under which the WAL feature is installed in `server.features`. */
export const WAL_FEATURE = 'write-ahead-log';

/** The WAL feature: the durability of the queue registry plus status and shutdown. */
export interface WalFeature extends ServerFeature {
  /** The open write-ahead log. */
  readonly wal: WriteAheadLog;
  /** What recovery found at start. */
  readonly report: RecoveryReport;
  /** Counters of a durable queue's log (syncs, records, bytes…), if it has one. */
  logStats(name: string): QueueLogStats | undefined;
  /** Names of the durable queues whose log failed. */
  failedQueues(): string[];
}

/**
 * Opens the WAL directory of `settings` (it must exist), recovers every log, installs the
 * durability in `registry` and re-creates each recovered durable queue with its live messages
 * (in log order, not logged again; a same-named queue is replaced). Rejects with
 * `ArgumentError(INVALID_OPTION)` for a missing directory, `WalError(WAL_CORRUPT)` naming file
 * and offset for mid-file damage (unless `salvage`) or an entry that is not a message.
 */
export async function openWalFeature(
  settings: WalSettings,
  registry: QueueRegistry,
  onRecovered?: (queue: string, live: readonly Message[]) => void,
): Promise<WalFeature> {
  await checkDir(settings.dir);
  const { wal, queues, report } = await openWriteAheadLog(settings.dir, {
    compress: settings.compress,
    compactAtStart: settings.compact,
    compactThresholdBytes: settings.compactThresholdBytes,
    salvage: settings.salvage,
    fs: settings.fs,
    onWarning: settings.onWarning,
  }).catch((err: unknown) => {
    if (!isIpcError(err, ErrorCode.WAL_CORRUPT)) throw err;
    const hint = err.message.includes('salvage') ? ' [server option walSalvage, CLI serve --wal-salvage]' : '';
    throw new WalError(ErrorCode.WAL_CORRUPT, `The server does not start: ${err.message}${hint}`, { cause: err });
  });
  const durability = new WalDurability(wal, settings);
  try {
    const restored = queues.map((q) => ({ q, ...decodeEntries(q, settings.dir) }));
    for (const { q, live, expired } of restored) {
      const log = wal.queueLog(q.name) as QueueLog;
      const journal = durability.journalFor(q.name, log);
      registry.add(createQueueStore({ name: q.name, capacity: q.capacity, type: 'BOUNDED', journal, initial: live, onJournalError: durability.onError(q.name), ...registry.storeInit(q.name) }));
      onRecovered?.(q.name, live); // seeds the idempotency window with the recovered request ids
      // Messages that expired while the server was down are dropped now and ACKed, so the log
      // does not carry them forever (a failure only means they are dropped again next time).
      await Promise.all(expired.map((id) => log.appendAck(id))).catch((err: unknown) => settings.onWarning(`${q.name}: ACK of expired messages failed: ${String(err)}`));
      if (expired.length > 0) settings.onWarning(`${q.name}: dropped ${expired.length} message(s) that expired while the server was down`);
    }
  } catch (err) {
    await wal.close();
    throw err;
  }
  registry.durability = durability;
  return {
    wal,
    report,
    logStats: (name) => wal.queueLog(name)?.stats,
    failedQueues: () => durability.failedQueues(),
    statusFields: () => ({
      'write-ahead-log-dir': settings.dir,
      'write-ahead-log-count': wal.queueNames().length,
      'write-ahead-log-failed-queues': durability.failedQueues(),
    }),
    close: () => wal.close(),
  };
}

async function checkDir(dir: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
    await access(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ArgumentError(
      ErrorCode.INVALID_OPTION,
      code === 'ENOENT' ? `The write-ahead log directory ${dir} does not exist` : `The write-ahead log directory ${dir} is not accessible: ${String(err)}`,
      { cause: err },
    );
  }
  if (!isDir) throw new ArgumentError(ErrorCode.INVALID_OPTION, `The write-ahead log directory ${dir} is not a directory`);
}

/** Decodes the live entries of a recovered queue; an entry that is not a message is corruption. */
function decodeEntries(q: RecoveredQueue, dir: string): { live: Message[]; expired: string[] } {
  const now = Date.now();
  const live: Message[] = [];
  const expired: string[] = [];
  for (const e of q.entries) {
    let m: Message;
    try {
      m = decodeStoredMessage(e.payload);
    } catch (err) {
      throw new WalError(
        ErrorCode.WAL_CORRUPT,
        `The write-ahead log of queue ${q.name} in ${dir} holds entry ${e.id} that is not a message (${String(err)}); not starting`,
        { cause: err },
      );
    }
    if (m.isExpired(now)) expired.push(e.id);
    else live.push(m);
  }
  return { live, expired };
}

/** The {@link QueueDurability} over one write-ahead log. */
class WalDurability implements QueueDurability {
  readonly #wal: WriteAheadLog;
  readonly #settings: WalSettings;
  /** Log creations in progress: concurrent creates of one durable queue share the log. */
  readonly #opening = new Map<string, Promise<QueueJournal>>();

  constructor(wal: WriteAheadLog, settings: WalSettings) {
    this.#wal = wal;
    this.#settings = settings;
  }

  journalFor(name: string, log: QueueLog): QueueJournal {
    return new WalJournal(name, log);
  }

  onError(name: string): (err: unknown) => void {
    return (err) => this.#settings.onWarning(`durable queue ${name}: ${String(err)}`);
  }

  openJournal(name: string, capacity: number): Promise<QueueJournal> {
    const pending = this.#opening.get(name);
    if (pending !== undefined) return pending;
    // A fresh log always: a removal of the same name in progress is waited for by the WAL, and
    // an old log is never reused (its records would reach the new queue after a restart).
    const p = this.#wal.createQueueLog(name, capacity).then((log) => this.journalFor(name, log));
    this.#opening.set(name, p);
    const done = (): void => void this.#opening.delete(name);
    p.then(done, done);
    return p;
  }

  deleteJournal(name: string): Promise<void> {
    return this.#wal.removeQueueLog(name);
  }

  failure(name: string): string | undefined {
    return this.#wal.queueLog(name)?.failed?.message;
  }

  failedQueues(): string[] {
    return this.#wal.queueNames().filter((n) => this.#wal.queueLog(n)?.failed !== undefined);
  }
}
