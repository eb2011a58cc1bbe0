import type { Message } from '../message/message.js';

/** Queue kinds as reported by STATUS_QUEUE (WIRE §4.3). Durable and temporary queues are BOUNDED. */
export type QueueType = 'BOUNDED' | 'CIRCULAR';

/** How an offer ended: stored, still full after the wait, interrupted by its signal, or the queue was removed. */
export type OfferOutcome = 'ok' | 'full' | 'interrupted' | 'closed';

/** How a poll ended: a message, nothing within the wait, interrupted by its signal, or the queue was removed. */
export type PollOutcome =
  | { readonly status: 'ok'; readonly message: Message }
  | { readonly status: 'empty' | 'interrupted' | 'closed' };

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
  /** Drops every message (waiting offers may then proceed). */
  clear(): void;
  /** Drops every message and ends every wait with `closed`; later calls answer `closed`. */
  close(): void;
}
