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
  /** When the response timeout expires (performance.now() ms). */
  readonly deadline: number;
  readonly timeout: number;
  resolve(m: Message): void;
  reject(e: Error): void;
}

/** The pending calls of one client. */
export class PendingCalls {
  readonly #map = new Map<string, Entry>();
  #drained: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined = undefined;
  #armedAt = Infinity;

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
      let removeAbort: (() => void) | undefined = undefined;
      const entry: Entry = {
        msg: m,
        encode,
        repeatable,
        sent: false,
        deadline: performance.now() + timeout,
        timeout,
        resolve: (r) => {
          this.#settle(entry, removeAbort);
          resolve(r);
        },
        reject: (e) => {
          this.#settle(entry, removeAbort);
          reject(e);
        },
      };
      this.#map.set(m.id, entry);
      this.#arm(entry.deadline);
      if (signal !== undefined) removeAbort = onAbort(signal, () => entry.reject(toError(abortError(signal))));
      if (conn !== undefined && this.#map.get(m.id) === entry) this.#send(entry, conn);
    });
  }

  #settle(e: Entry, removeAbort: (() => void) | undefined): void {
    if (this.#map.get(e.msg.id) !== e) return;
    this.#map.delete(e.msg.id);
    removeAbort?.();
    if (this.#map.size === 0) {
      // Nothing waits: the sweeper must not keep the process alive (a timer per call did not either).
      this.#timer?.unref();
      if (this.#drained.length > 0) for (const f of this.#drained.splice(0)) f();
    }
  }

  /**
   * One response-timeout sweeper per client instead of a timer per call (issue 11): the timer is
   * armed for the earliest deadline; when it fires it rejects the expired calls and re-arms.
   */
  #arm(deadline: number): void {
    const t = this.#timer;
    if (t !== undefined && this.#armedAt <= deadline) {
      t.ref();
      return;
    }
    if (t !== undefined) clearTimeout(t);
    this.#armedAt = deadline;
    this.#timer = setTimeout(this.#sweep, Math.max(1, Math.ceil(deadline - performance.now())));
  }

  readonly #sweep = (): void => {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const e of [...this.#map.values()]) {
      if (e.deadline <= now) e.reject(new TimeoutError(ErrorCode.TIMEOUT, `Timeout after ${e.timeout}ms on receiving IPC message response.`));
      else if (e.deadline < next) next = e.deadline;
    }
    if (next !== Infinity && this.#map.size > 0) this.#arm(next);
  };

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
