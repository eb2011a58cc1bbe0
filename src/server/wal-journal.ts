/** The {@link QueueJournal} of a durable queue, writing to its write-ahead log (SEMANTICS §6.2, §6.5). */
import { ErrorCode, WalError, isIpcError } from '../errors.js';
import type { Message } from '../message/message.js';
import type { QueueJournal } from '../queue/types.js';
import { encodeStoredMessage } from '../transport/stored-message.js';
import type { QueueLog } from '../wal/queue-log.js';

const noop = (): void => undefined;

/**
 * Logs the durable messages of one durable queue.
 *
 * * `append`: a message with `durable = true` is written as a DATA record (id, expiresAt, the
 *   message in plaintext wire format) and the promise resolves only after the record is
 *   `fdatasync`ed (group commit, docs/wal.md) — the queue makes the message visible, and the
 *   server sends the OFFER's OK, only then. A non-durable message is not logged; it only waits
 *   for durable messages offered before it that are still being synced, so FIFO order holds.
 * * `remove`: a durable message's removal is logged as an ACK, synced, before it is handed out.
 *   Non-durable messages were never logged and need no ACK (the WAL would ignore it anyway).
 * * `restore`: a message put back because its poller went away is logged again (at the end of
 *   the log: after a restart it comes back behind messages offered later). The queue makes it
 *   visible again only once this record is synced, so the ACK of its next poller always finds
 *   a live record (otherwise the ACK would write nothing and the message would come back
 *   after a restart although it was consumed).
 *
 * Once the log failed (a write or sync error), durable offers and polls of durable messages are
 * refused with `WalError(WAL_IO)`; the log already holds exactly the acknowledged state, so the
 * messages come back after a restart.
 */
export class WalJournal implements QueueJournal {
  readonly #name: string;
  readonly #log: QueueLog;
  /** The last durable append not yet settled (non-durable offers queue up behind it). */
  #tail: Promise<void> | undefined;

  constructor(name: string, log: QueueLog) {
    this.#name = name;
    this.#log = log;
  }

  /** The log (for stats). */
  get log(): QueueLog {
    return this.#log;
  }

  append(msg: Message): void | Promise<void> {
    if (!msg.durable) {
      const tail = this.#tail;
      return tail === undefined ? undefined : tail.then(noop, noop);
    }
    const p = this.#write(msg, 'Offer');
    this.#tail = p;
    const clear = (): void => {
      if (this.#tail === p) this.#tail = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  remove(msg: Message): void | Promise<void> {
    if (!msg.durable) return undefined;
    const failed = this.#log.failed;
    if (failed !== undefined) return Promise.reject(this.#refused('Poll', failed));
    return this.#log.appendAck(msg.id).catch((err: unknown) => {
      throw this.#wrap('Poll', err);
    });
  }

  /**
   * `settle`: the removal of a leased (acked or dead-lettered) or expired durable message is
   * logged as an ACK; the queue does not wait for its sync.
   */
  settle(msg: Message): void | Promise<void> {
    if (!msg.durable) return undefined;
    const failed = this.#log.failed;
    if (failed !== undefined) return Promise.reject(this.#refused('Ack', failed));
    return this.#log.appendAck(msg.id).catch((err: unknown) => {
      throw this.#wrap('Ack', err);
    });
  }

  restore(msg: Message): void | Promise<void> {
    if (!msg.durable) return undefined;
    return this.#write(msg, 'Requeue');
  }

  #write(msg: Message, what: string): Promise<void> {
    const failed = this.#log.failed;
    if (failed !== undefined) return Promise.reject(this.#refused(what, failed));
    let bytes: Buffer;
    try {
      bytes = encodeStoredMessage(msg);
    } catch (err) {
      return Promise.reject(this.#wrap(what, err));
    }
    const expiresAt = msg.expiresAtMillis >= 0 ? msg.expiresAtMillis : -1;
    return this.#log.appendData(msg.id, expiresAt, bytes).catch((err: unknown) => {
      throw this.#wrap(what, err);
    });
  }

  #refused(what: string, failed: WalError): WalError {
    return new WalError(
      ErrorCode.WAL_IO,
      `${what} rejected! The write-ahead log of the durable queue ${this.#name} failed earlier (${failed.message}); ` +
        'durable messages are refused until the queue is removed or the server is restarted.',
      { cause: failed },
    );
  }

  #wrap(what: string, err: unknown): Error {
    if (isIpcError(err, ErrorCode.WAL_IO)) {
      return new WalError(ErrorCode.WAL_IO, `${what} rejected! Writing the write-ahead log of the durable queue ${this.#name} failed: ${err.message}`, {
        cause: err,
      });
    }
    if (isIpcError(err, ErrorCode.WAL_CLOSED)) {
      return new WalError(ErrorCode.WAL_CLOSED, `The queue ${this.#name} is closed!`, { cause: err });
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}
