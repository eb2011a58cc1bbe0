import type { Message } from '../message/message.js';

/** Queue kinds as reported by STATUS_QUEUE (WIRE §4.3). Durable and temporary queues are BOUNDED. */
export type QueueType = 'BOUNDED' | 'CIRCULAR';

/** How an offer ended: stored, still full after the wait, interrupted by its signal, or the queue was removed. */
export type OfferOutcome = 'ok' | 'full' | 'interrupted' | 'closed';

/** How a poll ended: a message, nothing within the wait, interrupted by its signal, or the queue was removed. */
export type PollOutcome =
  | { readonly status: 'ok'; readonly message: Message; readonly lease?: LeaseGrant }
  | { readonly status: 'empty' | 'interrupted' | 'closed' };

/** A message handed out under a lease (at-least-once mode): it stays in the queue until acked. */
export interface LeaseGrant {
  /** Names this delivery; ack, nack and extend quote it. Unique per queue and delivery. */
  readonly token: string;
  /** Connection id (or any owner number) holding the lease. */
  readonly owner: number;
  /** Deliveries of this message so far, this one included (1 on the first). */
  readonly deliveryCount: number;
  /** When the lease runs out, ms since the epoch (the queue's clock). */
  readonly leaseUntil: number;
}

/** What a lease poll asks for. */
export interface LeaseRequest {
  /** Lease length, ms, 1 to {@link MAX_LEASE_MS}. */
  readonly ms: number;
  /** Owner of the lease (a connection id): only it may ack, nack or extend. */
  readonly owner: number;
}

/** Longest lease, ms (setTimeout's limit, about 24.8 days). */
export const MAX_LEASE_MS = 2 ** 31 - 1;

/** Why a message went to the dead-letter queue. */
export type DeadLetterReason = 'maxDeliveries' | 'expired';

/**
 * Moves a message to a dead-letter queue; resolves true once it is stored there (the source
 * then forgets it), false if it could not be (the message stays in its source queue).
 */
export type DeadLetterCallback = (msg: Message, reason: DeadLetterReason, deliveries: number) => boolean | Promise<boolean>;

/** Outcome of ack, nack and extend: done, or the lease is not held by this owner (unknown, foreign, ran out, settled). */
export type LeaseOutcome = 'ok' | 'not-held';

/** Time source and timers of a queue (injectable for tests). */
export interface QueueClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** A byte budget shared by every queue of a server (`maxQueueBytes`). */
export interface ByteBudget {
  /** Bytes held by all queues that share it. */
  used: number;
  /** Limit; a queue answers full when an offer would go beyond it (unless nothing is held). */
  readonly limit: number;
}

/** Per-queue options of the at-least-once extension (changeable at run time). */
export interface QueueLimits {
  /** Deliveries after which a message that comes back goes to the dead-letter queue; 0 = no limit. */
  readonly maxDeliveries: number;
  /** Payload bytes the queue may hold; 0 = no limit of its own. */
  readonly maxBytes: number;
  /** Expired messages go to the dead-letter queue instead of being dropped. */
  readonly deadLetterExpired: boolean;
}

/** Called for each expired message a poll drops from the head of the queue (SEMANTICS §4.4). */
export type ExpiredCallback = (msg: Message) => void;

/**
 * Durability hooks of a queue (implemented by a write-ahead log). Each may be synchronous or
 * return a Promise; the queue waits for it before the step becomes visible.
 */
export interface QueueJournal {
  /** Logs an offered message before it becomes visible to pollers; rejecting fails the offer. */
  append(msg: Message): void | Promise<void>;
  /** Logs the removal (ACK) of a message before it is handed to a poller; rejecting puts it back. */
  remove(msg: Message): void | Promise<void>;
  /**
   * Logs the removal of a message handed out under a lease (acked, or moved to a dead-letter
   * queue) or of an expired one. The queue does not wait for it (an ACK not yet on disk can
   * only cause a redelivery after a crash); a rejection goes to `onJournalError`.
   * Defaults to `remove`.
   */
  settle?(msg: Message): void | Promise<void>;
  /**
   * Logs a message again that was handed out but put back because its poller went away. The
   * message becomes visible again (to waiting polls too) only after this completed, so its
   * next removal finds the record; a rejection is reported to `onJournalError` and the
   * message is put back anyway.
   */
  restore(msg: Message): void | Promise<void>;
}

/** What describes a queue when it is created. */
export interface QueueInit {
  /** Queue name (validated by the caller). */
  readonly name: string;
  /** Maximum number of messages, >= 1. Storage grows with content, not with this. */
  readonly capacity: number;
  /** `BOUNDED` (waits when full) or `CIRCULAR` (evicts the oldest, never waits). */
  readonly type: QueueType;
  /** Owned by one connection and removed with it. Defaults to false. */
  readonly temporary?: boolean;
  /** Connection id of the owner of a temporary queue. */
  readonly owner?: number;
  /** Durability hooks; a queue with a journal reports `durable: true`. Bounded queues only. */
  readonly journal?: QueueJournal;
  /** Receives errors of journal calls no request waits for (`restore`). Defaults to ignoring them after a debug log. */
  readonly onJournalError?: (err: unknown) => void;
  /**
   * Messages stored at creation, oldest first, without calling the journal (a queue recovered
   * from its log). May exceed `capacity`; offers then wait until polls bring the size below it.
   * Defaults to none.
   */
  readonly initial?: readonly Message[];
  /** Lease and dead-letter limits. Defaults to no limits. */
  readonly limits?: Partial<QueueLimits>;
  /** Shared server-wide byte budget. Defaults to none. */
  readonly budget?: ByteBudget;
  /** Receives messages past `maxDeliveries` (and expired ones with `deadLetterExpired`). Defaults to none: they stay. */
  readonly onDeadLetter?: DeadLetterCallback;
  /** Time source and timers. Defaults to Date.now and setTimeout. */
  readonly clock?: QueueClock;
}

/**
 * A message queue independent of sockets (SEMANTICS §4). `offer` and `poll` return their
 * outcome synchronously when no waiting is needed, else a Promise that settles when space or
 * a message appears (served FIFO), when the timeout passes, when `signal` aborts, or when the
 * queue is closed. A timeout of 0 or less never waits. A waiter whose signal aborted never
 * takes a message.
 */
export interface QueueStore {
  readonly name: string;
  readonly type: QueueType;
  readonly capacity: number;
  readonly temporary: boolean;
  readonly durable: boolean;
  /** Owner connection of a temporary queue. */
  readonly owner: number | undefined;
  /** Messages currently stored. */
  readonly size: number;
  /** True once {@link close} was called. */
  readonly closed: boolean;
  /** Expired messages dropped by polls since creation. */
  readonly expiredCount: number;
  /** Messages evicted by a full circular queue since creation. */
  readonly evictedCount: number;
  /** Storage slots allocated right now (grows with content). */
  readonly allocatedSlots: number;
  /** Offers and polls waiting right now. */
  readonly waiting: { readonly offers: number; readonly polls: number };
  /** Stores `msg`, waiting up to `timeoutMs` for space in a full bounded queue. */
  offer(msg: Message, timeoutMs: number, signal?: AbortSignal): OfferOutcome | Promise<OfferOutcome>;
  /** Takes the oldest live message, waiting up to `timeoutMs`; expired ones are dropped and reported. */
  poll(timeoutMs: number, signal?: AbortSignal, onExpired?: ExpiredCallback): PollOutcome | Promise<PollOutcome>;
  /**
   * Puts a message that was handed out back at the head (its poller went away). With a
   * journal the message is re-logged first (`restore`) and only then becomes visible at the
   * head; until then it counts in `size` and polls wait for it (an immediate poll too, as it
   * would for its own ACK), so nothing overtakes it. Returns false if the message was not
   * kept: the queue is closed, or a full circular queue evicted it because it is the oldest
   * (counted in `evictedCount`, as any eviction).
   */
  requeue(msg: Message): boolean;
  /** Payload bytes held (visible, leased, delayed and being stored). */
  readonly bytes: number;
  /** Messages handed out under a lease and not yet settled. */
  readonly leased: number;
  /** Messages waiting for their delivery time. */
  readonly delayed: number;
  /** Messages moved to the dead-letter queue since creation. */
  readonly deadLettered: number;
  /** Current limits. */
  readonly limits: QueueLimits;
  /** Changes limits (the ones given). */
  configure(limits: Partial<QueueLimits>): void;
  /**
   * Like {@link poll}, but hands the message out under a lease: it stays in the queue
   * (invisible, counted in `size`) until {@link ack}ed; a nack, the lease running out or
   * {@link releaseOwner} makes it visible again at its original place in the order.
   */
  pollLease(timeoutMs: number, lease: LeaseRequest, signal?: AbortSignal, onExpired?: ExpiredCallback): PollOutcome | Promise<PollOutcome>;
  /** Removes a leased message for good (journal `settle`, not awaited). */
  ack(token: string, owner: number): LeaseOutcome;
  /**
   * Makes a leased message visible again at its place, now or after `delayMs`. `undeliver`
   * takes this delivery back from the count (the message never reached its consumer).
   */
  nack(token: string, owner: number, delayMs: number, undeliver?: boolean): LeaseOutcome;
  /** Renews a lease to run `ms` from now; returns the new end or 'not-held'. */
  extend(token: string, owner: number, ms: number): number | 'not-held';
  /** Gives back every lease of `owner` (its connection closed); returns how many. */
  releaseOwner(owner: number): number;
  /**
   * Stores `msg` so that it becomes visible at `dueAt` (ms since the epoch) at its place in the
   * order of offers. Same outcomes as {@link offer}.
   */
  offerAt(msg: Message, dueAt: number, timeoutMs: number, signal?: AbortSignal): OfferOutcome | Promise<OfferOutcome>;
  /** Drops expired messages that are visible or delayed now (reported like polls do); returns how many. */
  sweepExpired(onExpired?: ExpiredCallback): number;
  /** Drops every message (waiting offers may then proceed). */
  clear(): void;
  /** Drops every message and ends every wait with `closed`; later calls answer `closed`. */
  close(): void;
}
