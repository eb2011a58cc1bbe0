/**
 * The client's pending calls: one entry per request waiting for its answer, correlated by
 * message id, each with its own response deadline and AbortSignal. An entry is either sent on
 * the current connection or waiting to be sent (while the client reconnects).
 *
 * Per call (issue 11): one entry object and the one Promise handed to the caller; no closure,
 * timer or listener unless the caller passed a signal. Response timeouts are kept by one
 * sweeper timer per client. A call without retries records its own latency (`op`), so the
 * client needs no async wrapper around it.
 */
import { ErrorCode, TimeoutError, toError } from '../errors.js';
import { newMessageId } from '../message/ids.js';
import type { Message } from '../message/message.js';
import type { Connection } from '../transport/connection.js';
import type { EncodeOptions } from '../transport/message-codec.js';
import { abortError } from '../util/abort.js';
import type { StatsRecorder } from './stats.js';

/** One call waiting for its answer. */
class Entry {
  /** Settles the caller's Promise (set by its executor). */
  resolve!: (m: Message) => void;
  reject!: (e: Error) => void;
  sent = false;
  /** Removes the abort listener of the caller's signal; undefined without one. */
  unlisten: (() => void) | undefined = undefined;

  constructor(
    readonly msg: Message,
    readonly encode: EncodeOptions,
    /** The call will be repeated if this attempt fails (counted apart when rejected on a loss). */
    readonly repeatable: boolean,
    readonly timeout: number,
    /** When the response timeout expires (performance.now() ms). */
    readonly deadline: number,
    /** Operation whose latency this entry records in the client stats; undefined when the caller records it. */
    readonly op: string | undefined,
    /** performance.now() at the start of the call (for `op`). */
    readonly startedAt: number,
  ) {}
}

/**
 * The executor of every entry's Promise: it hands the resolving functions out through
 * `captured` (the Promise constructor runs it at once), so no closure is made per call.
 */
const captured = { resolve: (_m: Message): void => undefined, reject: (_e: Error): void => undefined };
function capture(resolve: (m: Message) => void, reject: (e: Error) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

/** The pending calls of one client. */
export class PendingCalls {
  readonly #map = new Map<string, Entry>();
  readonly #stats: StatsRecorder | undefined;
  #drained: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined = undefined;
  #armedAt = Infinity;

  /** `stats` receives the latency of calls added with an `op`. */
  constructor(stats?: StatsRecorder) {
    this.#stats = stats;
  }

  get size(): number {
    return this.#map.size;
  }

  /**
   * Registers `msg` (given a fresh id if one with its id is pending) and sends it on `conn`
   * when there is one; else it waits for {@link sendUnsent}. The promise settles with the
   * answer, or rejects on timeout (TimeoutError TIMEOUT), abort (AbortError ABORTED, or
   * TIMEOUT for `AbortSignal.timeout`), a send error, or {@link reject}. With `op`, the
   * outcome is recorded in the client stats under that operation, timed from now.
   */
  add(
    msg: Message,
    encode: EncodeOptions,
    timeout: number,
    signal: AbortSignal | undefined,
    conn: Connection | undefined,
    repeatable = false,
    op?: string,
  ): Promise<Message> {
    if (signal?.aborted === true) {
      if (op !== undefined) this.#stats?.failed(op);
      return Promise.reject(toError(abortError(signal)));
    }
    const m = this.#map.has(msg.id) ? msg.with({ id: newMessageId() }) : msg;
    const now = performance.now();
    const e = new Entry(m, encode, repeatable, timeout, now + timeout, op, now);
    const promise = new Promise<Message>(capture);
    e.resolve = captured.resolve;
    e.reject = captured.reject;
    this.#map.set(m.id, e);
    this.#arm(e.deadline);
    if (signal !== undefined) {
      const onAbort = (): void => this.#fail(e, toError(abortError(signal)));
      signal.addEventListener('abort', onAbort, { once: true });
      e.unlisten = () => signal.removeEventListener('abort', onAbort);
    }
    if (conn !== undefined) this.#send(e, conn);
    return promise;
  }

  /** Removes a still pending `e`; false when it was settled already. */
  #remove(e: Entry): boolean {
    if (this.#map.get(e.msg.id) !== e) return false;
    this.#map.delete(e.msg.id);
    e.unlisten?.();
    if (this.#map.size === 0) {
      // Nothing waits: the sweeper must not keep the process alive (a timer per call did not either).
      this.#timer?.unref();
      if (this.#drained.length > 0) for (const f of this.#drained.splice(0)) f();
    }
    return true;
  }

  #succeed(e: Entry, answer: Message): void {
    if (!this.#remove(e)) return;
    if (e.op !== undefined) this.#stats?.ok(e.op, e.startedAt);
    e.resolve(answer);
  }

  #fail(e: Entry, err: Error): void {
    if (!this.#remove(e)) return;
    if (e.op !== undefined) this.#stats?.failed(e.op);
    e.reject(err);
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
      if (e.deadline <= now) this.#fail(e, new TimeoutError(ErrorCode.TIMEOUT, `Timeout after ${e.timeout}ms on receiving IPC message response.`));
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
      this.#fail(e, toError(err));
    }
  }

  /** Hands an answer to its call; unknown ids (late answers to given-up calls) are dropped, as Java does. */
  answer(msg: Message): void {
    const e = this.#map.get(msg.id);
    if (e !== undefined) this.#succeed(e, msg);
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
        this.#fail(e, reason);
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
