import { debuglog } from 'node:util';
import { ErrorCode, QueueError } from '../errors.js';
import type { Message } from '../message/message.js';
import { Deque } from './deque.js';
import { MinHeap } from './heap.js';
import { deliverAtOf } from './markers.js';
import type {
  ByteBudget,
  DeadLetterCallback,
  DeadLetterReason,
  ExpiredCallback,
  LeaseGrant,
  LeaseOutcome,
  LeaseRequest,
  OfferOutcome,
  PollOutcome,
  QueueClock,
  QueueInit,
  QueueJournal,
  QueueLimits,
  QueueStore,
  QueueType,
} from './types.js';
import { WaitList, type WaitNode } from '../util/wait-list.js';

const debug = debuglog('venice-ipc');

/** Longest single wait; setTimeout cannot go beyond 2^31-1 ms (about 24.8 days). */
export const MAX_WAIT_MS = 2 ** 31 - 1;

const EMPTY: PollOutcome = Object.freeze({ status: 'empty' });
const INTERRUPTED: PollOutcome = Object.freeze({ status: 'interrupted' });
const CLOSED: PollOutcome = Object.freeze({ status: 'closed' });

/** The default clock: Date.now and setTimeout (timers do not keep the process alive). */
export const SYSTEM_CLOCK: QueueClock = Object.freeze({
  now: () => Date.now(),
  setTimer: (fn: () => void, ms: number): unknown => setTimeout(fn, Math.min(Math.max(ms, 0), MAX_WAIT_MS)).unref(),
  clearTimer: (h: unknown): void => clearTimeout(h as NodeJS.Timeout),
});

/** A stored message and its place in the order of the queue. */
class Entry {
  constructor(
    readonly msg: Message,
    /** Place in the order: offers count up, messages put back at the head count down. */
    readonly seq: number,
    /** Hand-outs under a lease so far. */
    public deliveries: number,
    /** When it becomes visible (0 = now). */
    public dueAt: number,
  ) {}

  get bytes(): number {
    return this.msg.data.length;
  }
}

interface Lease {
  readonly entry: Entry;
  readonly owner: number;
  deadline: number;
  timer: unknown;
}

/** Shared by both kinds of waiter: its signal, its timeout timer, its place in its list. */
interface Waiter<Self> {
  readonly signal: AbortSignal | undefined;
  timer: NodeJS.Timeout | undefined;
  node: WaitNode<Self> | undefined;
}

interface PollWaiter extends Waiter<PollWaiter> {
  readonly resolve: (o: PollOutcome | Promise<PollOutcome>) => void;
  readonly onExpired: ExpiredCallback | undefined;
  readonly lease: LeaseRequest | undefined;
}

interface OfferWaiter extends Waiter<OfferWaiter> {
  readonly entry: Entry;
  readonly resolve: (o: OfferOutcome | Promise<OfferOutcome>) => void;
}

/**
 * The in-memory queue store for every kind (bounded, circular, temporary), optionally with a
 * {@link QueueJournal} for durability, with leases (at-least-once), delayed messages, dead
 * letters and byte limits. Waiting is event-driven: each waiting offer or poll holds one timer
 * (one abort listener per signal and queue interrupts a connection's waiters), and is served
 * FIFO by {@link #pump} whenever a message or a free slot appears.
 *
 * Order: every message has a place (`seq`); visible messages are the tail of offers
 * (`#items`, in order) plus messages that came back (`#returned`, a heap by place). A poll
 * takes the one with the lowest place, so a message whose lease ran out, that was nacked, or
 * whose delay passed is served before everything offered after it.
 */
class MemoryQueue implements QueueStore {
  readonly name: string;
  readonly type: QueueType;
  readonly capacity: number;
  readonly temporary: boolean;
  readonly owner: number | undefined;
  readonly #journal: QueueJournal | undefined;
  readonly #onJournalError: (err: unknown) => void;
  readonly #onDeadLetter: DeadLetterCallback | undefined;
  readonly #clock: QueueClock;
  readonly #budget: ByteBudget | undefined;
  #limits: QueueLimits;
  readonly #items = new Deque<Entry>();
  readonly #returned = new MinHeap<Entry>((e) => e.seq);
  readonly #delayed = new MinHeap<Entry>((e) => e.dueAt);
  #delayTimer: unknown;
  #delayTimerAt = 0;
  readonly #leases = new Map<string, Lease>();
  readonly #polls = new WaitList<PollWaiter>();
  readonly #offers = new WaitList<OfferWaiter>();
  /**
   * Signals this queue listens to: ONE abort listener per signal (a connection's), which
   * interrupts that signal's waiters, instead of a listener added and removed per wait.
   */
  readonly #watched = new WeakSet<AbortSignal>();
  /** Slots held by offers whose journal append, or requeues whose journal restore, is still running. */
  #reserved = 0;
  /** Messages being moved to the dead-letter queue (still counted here). */
  #settling = 0;
  /**
   * Settles once every requeued message whose journal `restore` is running is back at the
   * head; undefined when none is. While set, the head of the queue is one of those messages,
   * so no poll is served (strict FIFO: nothing overtakes a message that is being put back).
   */
  #restoring: Promise<void> | undefined;
  /** Requeued messages whose restore is running and that {@link clear} has not dropped. */
  readonly #restoringMsgs = new Set<{ readonly entry: Entry; dropped: boolean }>();
  #closed = false;
  #pumping = false;
  #again = false;
  #expired = 0;
  #evicted = 0;
  #deadLettered = 0;
  #bytes = 0;
  #seq = 0;
  #headSeq = 0;
  #leaseSeq = 0;

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
    this.#onDeadLetter = init.onDeadLetter;
    this.#clock = init.clock ?? SYSTEM_CLOCK;
    this.#budget = init.budget;
    this.#limits = checkLimits({ maxDeliveries: 0, maxBytes: 0, deadLetterExpired: false }, init.limits ?? {});
    for (const m of init.initial ?? []) {
      const e = new Entry(m, ++this.#seq, 0, deliverAtOf(m));
      this.#charge(e.bytes);
      if (e.dueAt > this.#clock.now()) this.#delayed.push(e);
      else this.#items.push(e);
    }
    this.#armDelay();
  }

  get durable(): boolean {
    return this.#journal !== undefined;
  }

  get size(): number {
    return this.#held() + this.#restoringMsgs.size;
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

  get deadLettered(): number {
    return this.#deadLettered;
  }

  get allocatedSlots(): number {
    return this.#items.allocatedSlots;
  }

  get waiting(): { offers: number; polls: number } {
    return { offers: this.#offers.length, polls: this.#polls.length };
  }

  get bytes(): number {
    return this.#bytes;
  }

  get leased(): number {
    return this.#leases.size;
  }

  get delayed(): number {
    return this.#delayed.size;
  }

  get limits(): QueueLimits {
    return this.#limits;
  }

  configure(limits: Partial<QueueLimits>): void {
    this.#limits = checkLimits(this.#limits, limits);
    this.#pump();
  }

  offer(msg: Message, timeoutMs: number, signal?: AbortSignal): OfferOutcome | Promise<OfferOutcome> {
    return this.offerAt(msg, 0, timeoutMs, signal);
  }

  offerAt(msg: Message, dueAt: number, timeoutMs: number, signal?: AbortSignal): OfferOutcome | Promise<OfferOutcome> {
    if (this.#closed) return 'closed';
    if (signal?.aborted === true) return 'interrupted';
    const entry = new Entry(msg, ++this.#seq, 0, dueAt);
    if (this.type === 'CIRCULAR') return this.#offerCircular(entry);
    if (this.#offers.length === 0 && this.#hasRoom(entry.bytes)) return this.#accept(entry);
    if (!(timeoutMs > 0)) return 'full';
    this.#watch(signal);
    return new Promise<OfferOutcome>((resolve) => {
      const waiter: OfferWaiter = { entry, resolve, signal, timer: undefined, node: undefined };
      waiter.node = this.#offers.push(waiter);
      waiter.timer = setTimeout(this.#offerTimedOut, Math.min(timeoutMs, MAX_WAIT_MS), waiter);
    });
  }

  readonly #offerTimedOut = (w: OfferWaiter): void => {
    this.#offers.remove(w.node as WaitNode<OfferWaiter>);
    w.resolve('full');
  };

  readonly #pollTimedOut = (w: PollWaiter): void => {
    this.#polls.remove(w.node as WaitNode<PollWaiter>);
    w.resolve(EMPTY);
  };

  /** Listens (once per signal) for `signal` to abort, then interrupts its waiters. */
  #watch(signal: AbortSignal | undefined): void {
    if (signal === undefined || this.#watched.has(signal)) return;
    this.#watched.add(signal);
    signal.addEventListener('abort', () => this.#interrupt(signal), { once: true });
  }

  #interrupt(signal: AbortSignal): void {
    const mine = (w: { readonly signal: AbortSignal | undefined }): boolean => w.signal === signal;
    for (const w of this.#polls.removeWhere(mine)) {
      clearTimeout(w.timer);
      w.resolve(INTERRUPTED);
    }
    for (const w of this.#offers.removeWhere(mine)) {
      clearTimeout(w.timer);
      w.resolve('interrupted');
    }
  }

  poll(timeoutMs: number, signal?: AbortSignal, onExpired?: ExpiredCallback): PollOutcome | Promise<PollOutcome> {
    return this.#poll(timeoutMs, undefined, signal, onExpired);
  }

  pollLease(timeoutMs: number, lease: LeaseRequest, signal?: AbortSignal, onExpired?: ExpiredCallback): PollOutcome | Promise<PollOutcome> {
    if (!Number.isSafeInteger(lease.ms) || lease.ms < 1 || lease.ms > MAX_WAIT_MS) {
      throw new QueueError(ErrorCode.QUEUE_LIMIT, `A lease must be 1 to ${MAX_WAIT_MS} ms`);
    }
    return this.#poll(timeoutMs, lease, signal, onExpired);
  }

  ack(token: string, owner: number): LeaseOutcome {
    const l = this.#takeLease(token, owner);
    if (l === undefined) return 'not-held';
    this.#forget(l.entry);
    this.#pump(); // a slot is free
    return 'ok';
  }

  nack(token: string, owner: number, delayMs: number, undeliver = false): LeaseOutcome {
    const l = this.#takeLease(token, owner);
    if (l === undefined) return 'not-held';
    if (undeliver) l.entry.deliveries--;
    this.#giveBack(l.entry, delayMs);
    return 'ok';
  }

  extend(token: string, owner: number, ms: number): number | 'not-held' {
    const l = this.#leases.get(token);
    if (l === undefined || l.owner !== owner) return 'not-held';
    this.#clock.clearTimer(l.timer);
    l.deadline = this.#clock.now() + ms;
    l.timer = this.#clock.setTimer(() => this.#expireLease(token), ms);
    return l.deadline;
  }

  releaseOwner(owner: number): number {
    let n = 0;
    for (const [token, l] of [...this.#leases]) {
      if (l.owner !== owner) continue;
      this.#leases.delete(token);
      this.#clock.clearTimer(l.timer);
      this.#giveBack(l.entry, 0);
      n++;
    }
    return n;
  }

  sweepExpired(onExpired?: ExpiredCallback): number {
    if (this.#closed) return 0;
    const now = this.#clock.now();
    const expired = (e: Entry): boolean => e.msg.isExpired(now);
    let gone: Entry[] = [];
    let any = false;
    for (const e of this.#items) {
      if (!expired(e)) continue;
      any = true;
      break;
    }
    if (any) {
      const all = [...this.#items];
      this.#items.clear();
      for (const e of all) (expired(e) ? gone : this.#items).push(e);
    }
    gone = gone.concat(this.#returned.removeWhere(expired), this.#delayed.removeWhere(expired));
    for (const e of gone) this.#dropExpired(e, onExpired);
    if (gone.length > 0) {
      this.#armDelay();
      this.#pump();
    }
    return gone.length;
  }

  requeue(msg: Message): boolean {
    if (this.#closed) return false;
    const entry = new Entry(msg, --this.#headSeq, 0, 0);
    const j = this.#journal;
    let logged: void | Promise<void> = undefined;
    if (j !== undefined) {
      try {
        logged = j.restore(msg);
      } catch (err) {
        this.#onJournalError(err);
      }
    }
    this.#charge(entry.bytes);
    if (logged === undefined && this.#restoring === undefined) {
      this.#items.unshift(entry);
      if (this.type === 'CIRCULAR' && this.#held() > this.capacity) {
        // Circular queues keep the newest `capacity` messages: the one put back is the oldest.
        this.#items.shift();
        this.#release(entry.bytes);
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
    const pending = { entry, dropped: false };
    this.#restoringMsgs.add(pending);
    this.#reserved++;
    const written = Promise.resolve(logged).catch((err: unknown) => {
      // The log failed (then it refuses this durable message's ACK anyway) or was closed: the
      // message still stays in memory; the error is reported.
      this.#onJournalError(err);
    });
    const tail: Promise<void> = Promise.all([this.#restoring, written]).then(() => {
      this.#reserved--;
      this.#restoringMsgs.delete(pending);
      if (this.#restoring === tail) this.#restoring = undefined;
      if (!this.#closed && !pending.dropped) this.#items.unshift(entry);
      this.#pump();
    });
    this.#restoring = tail;
    return true;
  }

  clear(): void {
    this.#dropAll();
    this.#pump();
  }

  #dropAll(): void {
    for (const e of this.#items) this.#release(e.bytes);
    this.#items.clear();
    for (const e of [...this.#returned.clear(), ...this.#delayed.clear()]) this.#release(e.bytes);
    for (const l of this.#leases.values()) {
      this.#clock.clearTimer(l.timer);
      this.#release(l.entry.bytes);
    }
    this.#leases.clear();
    for (const p of this.#restoringMsgs) {
      p.dropped = true;
      this.#release(p.entry.bytes);
    }
    this.#restoringMsgs.clear();
    this.#armDelay();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropAll();
    for (const w of this.#polls.drain()) {
      clearTimeout(w.timer);
      w.resolve(CLOSED);
    }
    for (const w of this.#offers.drain()) {
      clearTimeout(w.timer);
      w.resolve('closed');
    }
  }

  /** Messages held: visible, delayed, leased, being dead-lettered (not counting reservations). */
  #held(): number {
    return this.#items.length + this.#returned.size + this.#delayed.size + this.#leases.size + this.#settling;
  }

  #visible(): number {
    return this.#items.length + this.#returned.size;
  }

  #hasRoom(bytes: number): boolean {
    return this.#hasOwnRoom(bytes) && this.#budgetRoom(bytes);
  }

  /** Room by this queue's own limits: capacity and maxBytes. */
  #hasOwnRoom(bytes: number): boolean {
    if (this.#held() + this.#reserved >= this.capacity) return false;
    const max = this.#limits.maxBytes;
    return !(max > 0 && this.#bytes > 0 && this.#bytes + bytes > max);
  }

  /** Room in the server-wide budget (one message always fits when nothing is held). */
  #budgetRoom(bytes: number): boolean {
    const b = this.#budget;
    return b === undefined || b.used === 0 || b.used + bytes <= b.limit;
  }

  #charge(n: number): void {
    this.#bytes += n;
    if (this.#budget !== undefined) this.#budget.used += n;
  }

  #release(n: number): void {
    this.#bytes -= n;
    if (this.#budget !== undefined) this.#budget.used -= n;
  }

  #offerCircular(entry: Entry): OfferOutcome {
    // Evicts for its own limits only: other queues' bytes never cost a circular queue its messages.
    while (this.#visible() > 0 && !this.#hasOwnRoom(entry.bytes)) {
      const old = this.#shiftVisible() as Entry; // evict the oldest; circular queues never wait
      this.#release(old.bytes);
      this.#evicted++;
    }
    if (!this.#hasRoom(entry.bytes)) return 'full'; // only leased or delayed messages left
    this.#charge(entry.bytes);
    this.#place(entry);
    this.#pump();
    return 'ok';
  }

  /** Makes a stored entry visible, or delayed until its time. */
  #place(entry: Entry): void {
    if (entry.dueAt > this.#clock.now()) {
      this.#delayed.push(entry);
      this.#armDelay();
    } else this.#items.push(entry);
  }

  /** Stores a message for which a slot is free, after the journal (if any) logged it. */
  #accept(entry: Entry): OfferOutcome | Promise<OfferOutcome> {
    const j = this.#journal;
    this.#charge(entry.bytes);
    const logged = j?.append(entry.msg);
    if (!(logged instanceof Promise)) {
      this.#place(entry);
      this.#pump();
      return 'ok';
    }
    this.#reserved++;
    return logged.then(
      () => {
        this.#reserved--;
        if (this.#closed) {
          this.#release(entry.bytes);
          return 'closed';
        }
        this.#place(entry);
        this.#pump();
        return 'ok';
      },
      (err: unknown) => {
        this.#reserved--;
        this.#release(entry.bytes);
        this.#pump();
        throw err;
      },
    );
  }

  #poll(timeoutMs: number, lease: LeaseRequest | undefined, signal: AbortSignal | undefined, onExpired: ExpiredCallback | undefined): PollOutcome | Promise<PollOutcome> {
    if (this.#closed) return CLOSED;
    if (signal?.aborted === true) return INTERRUPTED;
    const restoring = this.#restoring;
    if (restoring !== undefined && !(timeoutMs > 0)) {
      // The head is being put back (its record is being re-logged): an immediate poll waits
      // for that, as it would wait for its own ACK, then makes its one attempt.
      return restoring.then(() => this.#poll(0, lease, signal, onExpired));
    }
    const e = restoring === undefined ? this.#takeLive(onExpired) : undefined;
    if (e !== undefined) {
      const out = this.#handOut(e, lease);
      this.#pump(); // a slot may be free: admit a waiting offer
      return out;
    }
    if (!(timeoutMs > 0) || this.type === 'CIRCULAR') return EMPTY;
    this.#watch(signal);
    return new Promise<PollOutcome>((resolve) => {
      const waiter: PollWaiter = { resolve, signal, onExpired, lease, timer: undefined, node: undefined };
      waiter.node = this.#polls.push(waiter);
      waiter.timer = setTimeout(this.#pollTimedOut, Math.min(timeoutMs, MAX_WAIT_MS), waiter);
    });
  }

  /** Removes and returns the visible entry with the lowest place. */
  #shiftVisible(): Entry | undefined {
    const a = this.#items.peek();
    const b = this.#returned.peek();
    if (b !== undefined && (a === undefined || b.seq < a.seq)) return this.#returned.pop();
    return this.#items.shift();
  }

  /** Takes the first visible entry, dropping expired ones (reported) until a live one is found. */
  #takeLive(onExpired: ExpiredCallback | undefined): Entry | undefined {
    const now = this.#clock.now();
    for (let e = this.#shiftVisible(); e !== undefined; e = this.#shiftVisible()) {
      if (!e.msg.isExpired(now)) return e;
      this.#dropExpired(e, onExpired);
    }
    return undefined;
  }

  #dropExpired(e: Entry, onExpired: ExpiredCallback | undefined): void {
    this.#expired++;
    onExpired?.(e.msg);
    if (this.#limits.deadLetterExpired && this.#onDeadLetter !== undefined) {
      this.#deadLetter(e, 'expired');
      return;
    }
    this.#forget(e);
  }

  /** Releases an entry that leaves the queue for good and logs its removal (not awaited). */
  #forget(e: Entry): void {
    this.#release(e.bytes);
    this.#settle(e.msg);
  }

  #settle(msg: Message): void {
    const j = this.#journal;
    if (j === undefined) return;
    try {
      const p = j.settle !== undefined ? j.settle(msg) : j.remove(msg);
      // Not awaited: an ACK that is not yet on disk can only bring the message back after a crash.
      if (p instanceof Promise) p.catch(this.#onJournalError);
    } catch (err) {
      this.#onJournalError(err);
    }
  }

  /** Hands a taken entry out: under a lease, or after the journal logged its removal. */
  #handOut(e: Entry, lease: LeaseRequest | undefined): PollOutcome | Promise<PollOutcome> {
    if (lease !== undefined) return { status: 'ok', message: e.msg, lease: this.#grant(e, lease) };
    this.#release(e.bytes);
    const j = this.#journal;
    if (j === undefined) return { status: 'ok', message: e.msg };
    let acked: void | Promise<void>;
    try {
      acked = j.remove(e.msg);
    } catch (err) {
      this.#putBack(e);
      throw err;
    }
    if (!(acked instanceof Promise)) return { status: 'ok', message: e.msg };
    return acked.then(
      () => ({ status: 'ok', message: e.msg }),
      (err: unknown) => {
        this.#putBack(e);
        throw err;
      },
    );
  }

  #grant(e: Entry, req: LeaseRequest): LeaseGrant {
    e.deliveries++;
    const token = `${++this.#leaseSeq}.${e.seq}`;
    const deadline = this.#clock.now() + req.ms;
    const timer = this.#clock.setTimer(() => this.#expireLease(token), req.ms);
    this.#leases.set(token, { entry: e, owner: req.owner, deadline, timer });
    return { token, owner: req.owner, deliveryCount: e.deliveries, leaseUntil: deadline };
  }

  #takeLease(token: string, owner: number): Lease | undefined {
    const l = this.#leases.get(token);
    if (l === undefined || l.owner !== owner) return undefined;
    this.#leases.delete(token);
    this.#clock.clearTimer(l.timer);
    return l;
  }

  #expireLease(token: string): void {
    const l = this.#leases.get(token);
    if (l === undefined) return;
    this.#leases.delete(token);
    this.#giveBack(l.entry, 0);
  }

  /** A leased entry comes back: to the dead-letter queue past maxDeliveries, else to its place (now or later). */
  #giveBack(e: Entry, delayMs: number): void {
    if (this.#closed) return;
    const max = this.#limits.maxDeliveries;
    if (max > 0 && e.deliveries >= max && this.#onDeadLetter !== undefined) {
      this.#deadLetter(e, 'maxDeliveries');
      return;
    }
    if (delayMs > 0) {
      e.dueAt = this.#clock.now() + delayMs;
      this.#delayed.push(e);
      this.#armDelay();
      return;
    }
    e.dueAt = 0;
    this.#returned.push(e);
    this.#pump();
  }

  #deadLetter(e: Entry, reason: DeadLetterReason): void {
    this.#settling++;
    const done = (moved: boolean): void => {
      this.#settling--;
      if (moved) {
        this.#deadLettered++;
        this.#forget(e);
      } else if (!this.#closed) {
        debug('queue %s: a message could not be moved to the dead-letter queue; it stays', this.name);
        this.#returned.push(e);
      } else this.#release(e.bytes);
      this.#pump();
    };
    let r: boolean | Promise<boolean>;
    try {
      r = (this.#onDeadLetter as DeadLetterCallback)(e.msg, reason, e.deliveries);
    } catch (err) {
      this.#onJournalError(err);
      r = false;
    }
    if (!(r instanceof Promise)) {
      done(r);
      return;
    }
    r.then(done, (err: unknown) => {
      this.#onJournalError(err);
      done(false);
    });
  }

  /** Keeps one timer for the earliest delayed entry. */
  #armDelay(): void {
    const top = this.#delayed.peek();
    if (top === undefined || this.#closed) {
      if (this.#delayTimer !== undefined) this.#clock.clearTimer(this.#delayTimer);
      this.#delayTimer = undefined;
      return;
    }
    if (this.#delayTimer !== undefined && this.#delayTimerAt === top.dueAt) return;
    if (this.#delayTimer !== undefined) this.#clock.clearTimer(this.#delayTimer);
    this.#delayTimerAt = top.dueAt;
    this.#delayTimer = this.#clock.setTimer(() => {
      this.#delayTimer = undefined;
      this.#releaseDue();
    }, top.dueAt - this.#clock.now());
  }

  #releaseDue(): void {
    const now = this.#clock.now();
    for (let top = this.#delayed.peek(); top !== undefined && top.dueAt <= now; top = this.#delayed.peek()) {
      this.#delayed.pop();
      top.dueAt = 0;
      this.#returned.push(top);
    }
    this.#armDelay();
    this.#pump();
  }

  #putBack(e: Entry): void {
    if (this.#closed) return;
    this.#charge(e.bytes);
    this.#returned.push(e);
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
        for (let w = this.#offers.peek(); w !== undefined && this.#hasRoom(w.entry.bytes); w = this.#offers.peek()) {
          this.#offers.shift();
          clearTimeout(w.timer);
          w.resolve(this.#acceptSafely(w.entry));
        }
        while (this.#polls.length > 0 && this.#visible() > 0 && this.#restoring === undefined) {
          const w = this.#polls.peek() as PollWaiter;
          if (w.signal?.aborted === true) {
            this.#polls.shift(); // the abort listener normally removed it already
            clearTimeout(w.timer);
            w.resolve(INTERRUPTED);
            continue;
          }
          const e = this.#takeLive(w.onExpired);
          if (e === undefined) break;
          this.#polls.shift();
          clearTimeout(w.timer);
          w.resolve(this.#handOutSafely(e, w.lease));
          this.#again = true; // a slot may be free
        }
      } while (this.#again);
    } finally {
      this.#pumping = false;
    }
  }

  #acceptSafely(entry: Entry): OfferOutcome | Promise<OfferOutcome> {
    try {
      return this.#accept(entry);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  #handOutSafely(e: Entry, lease: LeaseRequest | undefined): PollOutcome | Promise<PollOutcome> {
    try {
      return this.#handOut(e, lease);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
}

function checkLimits(base: QueueLimits, given: Partial<QueueLimits>): QueueLimits {
  const int = (v: number | undefined, name: string, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!Number.isSafeInteger(v) || v < 0) throw new QueueError(ErrorCode.QUEUE_LIMIT, `${name} must be an integer >= 0 (0 = no limit)`);
    return v;
  };
  const dle = given.deadLetterExpired ?? base.deadLetterExpired;
  if (typeof dle !== 'boolean') throw new QueueError(ErrorCode.QUEUE_LIMIT, 'deadLetterExpired must be a boolean');
  return Object.freeze({
    maxDeliveries: int(given.maxDeliveries, 'maxDeliveries', base.maxDeliveries),
    maxBytes: int(given.maxBytes, 'maxBytes', base.maxBytes),
    deadLetterExpired: dle,
  });
}

/**
 * Creates a queue store. Throws QueueError QUEUE_LIMIT for a capacity below 1 or a bad limit
 * and QUEUE_NOT_PERMITTED for a circular queue with a journal.
 */
export function createQueueStore(init: QueueInit): QueueStore {
  return new MemoryQueue(init);
}
