import { debuglog } from 'node:util';
import { ErrorCode, QueueError } from '../errors.js';
import type { Message } from '../message/message.js';
import { onAbort } from '../util/abort.js';
import { Deque } from './deque.js';
import type { ExpiredCallback, OfferOutcome, PollOutcome, QueueInit, QueueJournal, QueueStore, QueueType } from './types.js';
import { WaitList, type WaitNode } from './wait-list.js';

const debug = debuglog('venice-ipc');

/** Longest single wait; setTimeout cannot go beyond 2^31-1 ms (about 24.8 days). */
export const MAX_WAIT_MS = 2 ** 31 - 1;

const EMPTY: PollOutcome = Object.freeze({ status: 'empty' });
const INTERRUPTED: PollOutcome = Object.freeze({ status: 'interrupted' });
const CLOSED: PollOutcome = Object.freeze({ status: 'closed' });

interface PollWaiter {
  readonly resolve: (o: PollOutcome | Promise<PollOutcome>) => void;
  readonly signal: AbortSignal | undefined;
  readonly onExpired: ExpiredCallback | undefined;
  cleanup(): void;
}

interface OfferWaiter {
  readonly msg: Message;
  readonly resolve: (o: OfferOutcome | Promise<OfferOutcome>) => void;
  cleanup(): void;
}

/**
 * The in-memory queue store for every kind (bounded, circular, temporary), optionally with a
 * {@link QueueJournal} for durability. Waiting is event-driven: each waiting offer or poll
 * holds one timer and one abort listener, and is served FIFO by {@link #pump} whenever a
 * message or a free slot appears.
 */
class MemoryQueue implements QueueStore {
  readonly name: string;
  readonly type: QueueType;
  readonly capacity: number;
  readonly temporary: boolean;
  readonly owner: number | undefined;
  readonly #journal: QueueJournal | undefined;
  readonly #onJournalError: (err: unknown) => void;
  readonly #items = new Deque<Message>();
  readonly #polls = new WaitList<PollWaiter>();
  readonly #offers = new WaitList<OfferWaiter>();
  /** Slots held by offers whose journal append, or requeues whose journal restore, is still running. */
  #reserved = 0;
  /**
   * Settles once every requeued message whose journal `restore` is running is back at the
   * head; undefined when none is. While set, the head of the queue is one of those messages,
   * so no poll is served (strict FIFO: nothing overtakes a message that is being put back).
   */
  #restoring: Promise<void> | undefined;
  /** Requeued messages whose restore is running and that {@link clear} has not dropped. */
  readonly #restoringMsgs = new Set<{ readonly msg: Message; dropped: boolean }>();
  #closed = false;
  #pumping = false;
  #again = false;
  #expired = 0;
  #evicted = 0;

  constructor(init: QueueInit) {
    if (!Number.isSafeInteger(init.capacity) || init.capacity < 1) {
      throw new QueueError(ErrorCode.QUEUE_LIMIT, 'A queue capacity must not be lower than 1');
    }
    if (init.type === 'CIRCULAR' && init.journal !== undefined) {
      throw new QueueError(ErrorCode.QUEUE_NOT_PERMITTED, 'Circular queues can not be made durable.');
    }
    this.name = init.name;
    this.type = init.type;
    this.capacity = init.capacity;
    this.temporary = init.temporary ?? false;
    this.owner = init.owner;
    this.#journal = init.journal;
    this.#onJournalError = init.onJournalError ?? ((err) => debug('queue %s: journal error: %s', this.name, String(err)));
    for (const m of init.initial ?? []) this.#items.push(m);
  }

  get durable(): boolean {
    return this.#journal !== undefined;
  }

  get size(): number {
    return this.#items.length + this.#restoringMsgs.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get expiredCount(): number {
    return this.#expired;
  }

  get evictedCount(): number {
    return this.#evicted;
  }

  get allocatedSlots(): number {
    return this.#items.allocatedSlots;
  }

  get waiting(): { offers: number; polls: number } {
    return { offers: this.#offers.length, polls: this.#polls.length };
  }

  offer(msg: Message, timeoutMs: number, signal?: AbortSignal): OfferOutcome | Promise<OfferOutcome> {
    if (this.#closed) return 'closed';
    if (signal?.aborted === true) return 'interrupted';
    if (this.type === 'CIRCULAR') {
      if (this.#items.length >= this.capacity) {
        this.#items.shift(); // evict the oldest; circular queues never wait
        this.#evicted++;
      }
      this.#items.push(msg);
      this.#pump();
      return 'ok';
    }
    if (this.#offers.length === 0 && this.#hasRoom()) return this.#accept(msg);
    if (!(timeoutMs > 0)) return 'full';
    return new Promise<OfferOutcome>((resolve) => {
      const waiter: OfferWaiter = { msg, resolve, cleanup: () => undefined };
      const node = this.#offers.push(waiter);
      const timer = setTimeout(() => {
        this.#offers.remove(node);
        removeAbort();
        resolve('full');
      }, Math.min(timeoutMs, MAX_WAIT_MS));
      const removeAbort = onAbort(signal, () => {
        this.#offers.remove(node);
        clearTimeout(timer);
        resolve('interrupted');
      });
      waiter.cleanup = () => {
        clearTimeout(timer);
        removeAbort();
      };
    });
  }

  poll(timeoutMs: number, signal?: AbortSignal, onExpired?: ExpiredCallback): PollOutcome | Promise<PollOutcome> {
    if (this.#closed) return CLOSED;
    if (signal?.aborted === true) return INTERRUPTED;
    const restoring = this.#restoring;
    if (restoring !== undefined && !(timeoutMs > 0)) {
      // The head is being put back (its record is being re-logged): an immediate poll waits
      // for that, as it would wait for its own ACK, then makes its one attempt.
      return restoring.then(() => this.poll(0, signal, onExpired));
    }
    const m = restoring === undefined ? this.#takeLive(onExpired) : undefined;
    if (m !== undefined) {
      this.#pump(); // a slot is free: admit a waiting offer
      return this.#handOut(m);
    }
    if (!(timeoutMs > 0) || this.type === 'CIRCULAR') return EMPTY;
    return new Promise<PollOutcome>((resolve) => {
      const waiter: PollWaiter = { resolve, signal, onExpired, cleanup: () => undefined };
      const node: WaitNode<PollWaiter> = this.#polls.push(waiter);
      const timer = setTimeout(() => {
        this.#polls.remove(node);
        removeAbort();
        resolve(EMPTY);
      }, Math.min(timeoutMs, MAX_WAIT_MS));
      const removeAbort = onAbort(signal, () => {
        this.#polls.remove(node);
        clearTimeout(timer);
        resolve(INTERRUPTED);
      });
      waiter.cleanup = () => {
        clearTimeout(timer);
        removeAbort();
      };
    });
  }

  requeue(msg: Message): boolean {
    if (this.#closed) return false;
    const j = this.#journal;
    let logged: void | Promise<void> = undefined;
    if (j !== undefined) {
      try {
        logged = j.restore(msg);
      } catch (err) {
        this.#onJournalError(err);
      }
    }
    if (logged === undefined && this.#restoring === undefined) {
      this.#items.unshift(msg);
      if (this.type === 'CIRCULAR' && this.#items.length > this.capacity) {
        // Circular queues keep the newest `capacity` messages: the one put back is the oldest.
        this.#items.shift();
        this.#evicted++;
        debug('queue %s: a message put back into the full circular queue was evicted (it is the oldest)', this.name);
        return false;
      }
      this.#pump();
      return true;
    }
    // The message becomes visible only once its record is in the log again: a poller that got
    // it earlier would ACK an id without a live record (nothing written), and the later
    // re-log would bring a consumed message back after a restart. Requeues take effect in
    // call order, each at the head, as synchronous ones do.
    const entry = { msg, dropped: false };
    this.#restoringMsgs.add(entry);
    this.#reserved++;
    const written = Promise.resolve(logged).catch((err: unknown) => {
      // The log failed (then it refuses this durable message's ACK anyway) or was closed: the
      // message still stays in memory; the error is reported.
      this.#onJournalError(err);
    });
    const tail: Promise<void> = Promise.all([this.#restoring, written]).then(() => {
      this.#reserved--;
      this.#restoringMsgs.delete(entry);
      if (this.#restoring === tail) this.#restoring = undefined;
      if (!this.#closed && !entry.dropped) this.#items.unshift(msg);
      this.#pump();
    });
    this.#restoring = tail;
    return true;
  }

  clear(): void {
    this.#items.clear();
    for (const e of this.#restoringMsgs) e.dropped = true;
    this.#restoringMsgs.clear();
    this.#pump();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#items.clear();
    for (const w of this.#polls.drain()) {
      w.cleanup();
      w.resolve(CLOSED);
    }
    for (const w of this.#offers.drain()) {
      w.cleanup();
      w.resolve('closed');
    }
  }

  #hasRoom(): boolean {
    return this.#items.length + this.#reserved < this.capacity;
  }

  /** Stores a message for which a slot is free, after the journal (if any) logged it. */
  #accept(msg: Message): OfferOutcome | Promise<OfferOutcome> {
    const j = this.#journal;
    if (j === undefined) {
      this.#items.push(msg);
      this.#pump();
      return 'ok';
    }
    const logged = j.append(msg);
    if (!(logged instanceof Promise)) {
      this.#items.push(msg);
      this.#pump();
      return 'ok';
    }
    this.#reserved++;
    return logged.then(
      () => {
        this.#reserved--;
        if (this.#closed) return 'closed';
        this.#items.push(msg);
        this.#pump();
        return 'ok';
      },
      (err: unknown) => {
        this.#reserved--;
        this.#pump();
        throw err;
      },
    );
  }

  /** Takes the head, dropping expired messages (reported) until a live one is found. */
  #takeLive(onExpired: ExpiredCallback | undefined): Message | undefined {
    const now = Date.now();
    for (let m = this.#items.shift(); m !== undefined; m = this.#items.shift()) {
      if (!m.isExpired(now)) return m;
      this.#expired++;
      onExpired?.(m);
    }
    return undefined;
  }

  /** Hands a taken message out after the journal logged its removal; puts it back if that fails. */
  #handOut(m: Message): PollOutcome | Promise<PollOutcome> {
    const j = this.#journal;
    if (j === undefined) return { status: 'ok', message: m };
    let acked: void | Promise<void>;
    try {
      acked = j.remove(m);
    } catch (err) {
      this.#putBack(m);
      throw err;
    }
    if (!(acked instanceof Promise)) return { status: 'ok', message: m };
    return acked.then(
      () => ({ status: 'ok', message: m }),
      (err: unknown) => {
        this.#putBack(m);
        throw err;
      },
    );
  }

  #putBack(m: Message): void {
    if (this.#closed) return;
    this.#items.unshift(m);
    this.#pump();
  }

  /**
   * Serves waiters until nothing changes: admits waiting offers into free slots, then hands
   * messages to waiting polls (oldest first). Re-entrant calls only mark another round, so
   * chains of offers and polls never recurse.
   */
  #pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        while (this.#offers.length > 0 && this.#hasRoom()) {
          const w = this.#offers.shift() as OfferWaiter;
          w.cleanup();
          w.resolve(this.#acceptSafely(w.msg));
        }
        while (this.#polls.length > 0 && this.#items.length > 0 && this.#restoring === undefined) {
          const w = this.#polls.peek() as PollWaiter;
          if (w.signal?.aborted === true) {
            this.#polls.shift(); // its abort listener normally removed it already
            w.cleanup();
            w.resolve(INTERRUPTED);
            continue;
          }
          const m = this.#takeLive(w.onExpired);
          if (m === undefined) break;
          this.#polls.shift();
          w.cleanup();
          w.resolve(this.#handOutSafely(m));
          this.#again = true; // a slot was freed
        }
      } while (this.#again);
    } finally {
      this.#pumping = false;
    }
  }

  #acceptSafely(msg: Message): OfferOutcome | Promise<OfferOutcome> {
    try {
      return this.#accept(msg);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  #handOutSafely(m: Message): PollOutcome | Promise<PollOutcome> {
    try {
      return this.#handOut(m);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
}

/**
 * Creates a queue store. Throws QueueError QUEUE_LIMIT for a capacity below 1 and
 * QUEUE_NOT_PERMITTED for a circular queue with a journal.
 */
export function createQueueStore(init: QueueInit): QueueStore {
  return new MemoryQueue(init);
}
