/**
 * The client's pending calls: one entry per request waiting for its answer, correlated by
 * message id, each with its own response timeout and AbortSignal. An entry is either sent on
 * the current connection or waiting to be sent (while the client reconnects).
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, TimeoutError, toError } from '../errors.js';
import type { Message } from '../message/message.js';
import type { Connection } from '../transport/connection.js';
import type { EncodeOptions } from '../transport/message-codec.js';
import { abortError, onAbort } from '../util/abort.js';

interface Entry {
  readonly msg: Message;
  readonly encode: EncodeOptions;
  /** The call will be repeated if this attempt fails (counted apart when rejected on a loss). */
  readonly repeatable: boolean;
  sent: boolean;
  resolve(m: Message): void;
  reject(e: Error): void;
}

/** The pending calls of one client. */
export class PendingCalls {
  readonly #map = new Map<string, Entry>();
  #drained: Array<() => void> = [];

  get size(): number {
    return this.#map.size;
  }

  /**
   * Registers `msg` (given a fresh id if one with its id is pending) and sends it on `conn`
   * when there is one; else it waits for {@link sendUnsent}. The promise settles with the
   * answer, or rejects on timeout (TimeoutError TIMEOUT), abort (AbortError ABORTED, or
   * TIMEOUT for `AbortSignal.timeout`), a send error, or {@link reject}.
   */
  add(msg: Message, encode: EncodeOptions, timeout: number, signal: AbortSignal | undefined, conn: Connection | undefined, repeatable = false): Promise<Message> {
    if (signal?.aborted === true) return Promise.reject(toError(abortError(signal)));
    const m = this.#map.has(msg.id) ? msg.with({ id: randomUUID() }) : msg;
    return new Promise<Message>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      let removeAbort = (): void => {};
      const settle = (): void => {
        this.#map.delete(m.id);
        clearTimeout(timer);
        removeAbort();
        if (this.#map.size === 0 && this.#drained.length > 0) for (const f of this.#drained.splice(0)) f();
      };
      const entry: Entry = {
        msg: m,
        encode,
        repeatable,
        sent: false,
        resolve: (r) => {
          settle();
          resolve(r);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      };
      this.#map.set(m.id, entry);
      timer = setTimeout(() => entry.reject(new TimeoutError(ErrorCode.TIMEOUT, `Timeout after ${timeout}ms on receiving IPC message response.`)), timeout);
      removeAbort = onAbort(signal, () => entry.reject(toError(abortError(signal as AbortSignal))));
      if (conn !== undefined && this.#map.get(m.id) === entry) this.#send(entry, conn);
    });
  }

  #send(e: Entry, conn: Connection): void {
    try {
      // No write callback: a failed write closes the connection, which rejects what was sent on it.
      conn.send(e.msg, e.encode);
      e.sent = true;
    } catch (err) {
      e.reject(toError(err));
    }
  }

  /** Hands an answer to its call; unknown ids (late answers to given-up calls) are dropped, as Java does. */
  answer(msg: Message): void {
    this.#map.get(msg.id)?.resolve(msg);
  }

  /** Sends every entry that waits to be sent; returns how many. */
  sendUnsent(conn: Connection): number {
    let n = 0;
    for (const e of [...this.#map.values()]) {
      if (e.sent || !this.#map.has(e.msg.id)) continue;
      this.#send(e, conn);
      n++;
    }
    return n;
  }

  /**
   * Rejects the entries that `which` selects (sent ones, unsent ones, or all) with `reason`;
   * returns how many of them were not going to be repeated.
   */
  reject(reason: Error, which: 'sent' | 'unsent' | 'all'): number {
    let final = 0;
    for (const e of [...this.#map.values()]) {
      if (which === 'all' || (which === 'sent') === e.sent) {
        e.reject(reason);
        if (!e.repeatable) final++;
      }
    }
    return final;
  }

  /** Resolves when no call is pending, or after `ms`. */
  drained(ms: number): Promise<void> {
    if (this.#map.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#drained.push(done);
    });
  }
}
