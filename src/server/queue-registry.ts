import { ArgumentError, ErrorCode, QueueError, WalError } from '../errors.js';
import { validateQueueName } from '../message/validate.js';
import { createQueueStore } from '../queue/memory-queue.js';
import { asDeadLetter } from '../queue/markers.js';
import type { ByteBudget, DeadLetterReason, QueueInit, QueueJournal, QueueLimits, QueueStore, QueueType } from '../queue/types.js';
import { MAX_TOPICS } from '../message/validate.js';
import type { Message } from '../message/message.js';
import { DEFAULT_MAX_QUEUE_BYTES, DEFAULT_QUEUE_MAX_BYTES, type QueueSettings } from './queue-options.js';

/** Kinds accepted by `server.createQueue`. */
export type QueueKind = 'bounded' | 'circular';

/** Options of `server.createQueue`. */
export interface CreateQueueOptions {
  /** Maximum number of messages, >= 1 (up to 2^31-1; storage grows with content). */
  readonly capacity: number;
  /** `bounded` (offers wait when full) or `circular` (evicts the oldest). Defaults to `bounded`. */
  readonly type?: QueueKind;
  /** Keep the messages in the write-ahead log (bounded queues, WAL required). Defaults to false. */
  readonly durable?: boolean;
  /**
   * Deliveries under a lease after which a message that comes back (lease ran out, nack,
   * consumer gone) goes to the dead-letter queue; 0 = no limit. Applied to an existing queue
   * too. Not kept in the log: re-declare it after a restart. Defaults to 0.
   */
  readonly maxDeliveries?: number;
  /** Payload bytes the queue may hold (offers beyond answer full); 0 = no limit. Defaults to the server's `queueMaxBytes`. */
  readonly maxBytes?: number;
  /** Name of the dead-letter queue (created on first use, durable when this queue is). Defaults to `<name>-dlq`. */
  readonly deadLetterQueue?: string;
  /** Expired messages go to the dead-letter queue instead of being dropped. Defaults to false. */
  readonly deadLetterExpired?: boolean;
}

/** Suffix of the default dead-letter queue name. */
export const DEAD_LETTER_SUFFIX = '-dlq';

/** The status of one queue (WIRE §9.5 STATUS_QUEUE), members in Venice's order. */
export interface QueueStatus {
  readonly name: string;
  readonly exists: boolean;
  /** `BOUNDED` (also durable and temporary queues), `CIRCULAR`, or null when absent. */
  readonly type: QueueType | null;
  readonly temporary: boolean;
  readonly durable: boolean;
  /** 0 when absent. */
  readonly capacity: number;
  /** Current number of messages; 0 when absent. */
  readonly size: number;
  /**
   * Extra member (not in Venice), present only for a durable queue whose write-ahead log failed:
   * the error. Such a queue refuses durable offers and polls of durable messages (docs/queues.md).
   */
  readonly walError?: string;
  /** Extra members (not in Venice), present only when the queue has leased, delayed or dead-lettered messages or a DLQ. */
  readonly leased?: number;
  readonly delayed?: number;
  readonly deadLettered?: number;
  readonly deadLetterQueue?: string;
  readonly bytes?: number;
}

/**
 * What a write-ahead log offers the queue registry (installed by the WAL feature): a journal
 * for a new durable queue, and deletion of a removed queue's log.
 */
export interface QueueDurability {
  openJournal(name: string, capacity: number): Promise<QueueJournal>;
  deleteJournal(name: string): Promise<void>;
  /** The error of a durable queue whose log failed (reported by status), else undefined. */
  failure?(name: string): string | undefined;
}

/**
 * A shared queue engine (installed by the cluster feature, docs/cluster.md): regular queues
 * live there and this registry holds this node's handles on them. Temporary queues stay local.
 */
export interface QueueBackend {
  /** Creates the queue in the engine unless it exists there; resolves with this node's store for it. */
  create(name: string, init: { readonly capacity: number; readonly type: QueueType; readonly durable: boolean }): Promise<QueueStore>;
  /** Removes the queue from the engine (an absent one is fine). */
  remove(name: string): Promise<void>;
}

/** Text of the refusal of a durable queue on a server without write-ahead log. */
export const NO_WAL_TEXT = 'Cannot create a durable queue, if write-ahead-log is not activated on the server!';
/** Text of the refusal of a durable circular queue. */
export const CIRCULAR_DURABLE_TEXT = 'Circular queues can not be made durable.';

/**
 * All queues of one server in one namespace (SEMANTICS §4.1), with the counts the limits and
 * status need. Creation is "create if absent" and atomic (single-threaded).
 */
export class QueueRegistry {
  readonly #queues = new Map<string, QueueStore>();
  /** Dead-letter queue names of queues that named one (others use `<name>-dlq`). */
  readonly #dlqNames = new Map<string, string>();
  readonly #budget: ByteBudget | undefined;
  readonly #queueMaxBytes: number;
  #regular = 0;
  #temporary = 0;
  /** Set by a write-ahead log; without it durable queues are refused. */
  durability: QueueDurability | undefined;
  /** Set by the cluster feature; regular queues are then created and removed in the engine. */
  backend: QueueBackend | undefined;

  /** True when durable queues can be created (a write-ahead log or a cluster engine). */
  get acceptsDurable(): boolean {
    return this.durability !== undefined || this.backend !== undefined;
  }

  constructor(settings?: QueueSettings) {
    const total = settings?.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES;
    this.#budget = total > 0 ? { used: 0, limit: total } : undefined;
    this.#queueMaxBytes = settings?.queueMaxBytes ?? DEFAULT_QUEUE_MAX_BYTES;
  }

  /** Payload bytes held by all queues together. */
  get bytes(): number {
    return this.#budget?.used ?? [...this.#queues.values()].reduce((n, q) => n + q.bytes, 0);
  }

  /**
   * The parts of a queue's init that the registry provides: the shared byte budget, the
   * default byte limit and the dead-letter hook. Recovery spreads these into its stores too.
   */
  storeInit(name: string, limits: Partial<QueueLimits> = {}): Pick<QueueInit, 'budget' | 'limits' | 'onDeadLetter'> {
    return {
      budget: this.#budget,
      limits: { maxBytes: this.#queueMaxBytes, ...limits },
      onDeadLetter: (msg, reason, deliveries) => this.#deadLetter(name, msg, reason, deliveries),
    };
  }

  /** The dead-letter queue name of `name`. */
  deadLetterQueueOf(name: string): string {
    return this.#dlqNames.get(name) ?? name + DEAD_LETTER_SUFFIX;
  }

  async #deadLetter(source: string, msg: Message, reason: DeadLetterReason, deliveries: number): Promise<boolean> {
    const src = this.#queues.get(source);
    const dlqName = this.deadLetterQueueOf(source);
    if (src === undefined || dlqName === source) return false;
    if (!this.#queues.has(dlqName)) await this.create(dlqName, { capacity: src.capacity, durable: src.durable });
    const dlq = this.#queues.get(dlqName);
    if (dlq === undefined || dlq.closed) return false;
    const out = await dlq.offer(asDeadLetter(msg, { reason, deliveries, queue: source }, MAX_TOPICS), 0);
    return out === 'ok';
  }

  /** The queue with exactly this name. */
  get(name: string): QueueStore | undefined {
    return this.#queues.get(name);
  }

  /** Number of non-temporary queues (the `maxQueues` limit counts these). */
  get regularCount(): number {
    return this.#regular;
  }

  /** Number of temporary queues of all connections. */
  get temporaryCount(): number {
    return this.#temporary;
  }

  /** Number of all queues. */
  get count(): number {
    return this.#queues.size;
  }

  /** Every queue. */
  values(): IterableIterator<QueueStore> {
    return this.#queues.values();
  }

  /**
   * Creates a regular queue unless one with that name exists (then nothing happens). Validates
   * like the server-side Venice API: name, capacity, type, durable (SEMANTICS §5.1).
   */
  async create(name: string, opts: Readonly<CreateQueueOptions>): Promise<void> {
    const init = checkCreate(name, opts);
    const limits = checkLimitOptions(opts);
    if (opts.deadLetterQueue !== undefined) {
      validateQueueName(opts.deadLetterQueue);
      if (opts.deadLetterQueue === name) throw new QueueError(ErrorCode.QUEUE_NOT_PERMITTED, 'A queue can not be its own dead-letter queue');
    }
    if (this.backend !== undefined) {
      await this.#createShared(name, init, this.backend);
      // A shared queue takes the extension's limits like an existing one (enforced as docs/cluster.md says).
      if (Object.keys(limits).length > 0) this.#queues.get(name)?.configure(limits);
      if (opts.deadLetterQueue !== undefined) this.#dlqNames.set(name, opts.deadLetterQueue);
      return;
    }
    if (init.durable && this.durability === undefined) throw new WalError(ErrorCode.WAL_DISABLED, NO_WAL_TEXT);
    const existing = this.#queues.get(name);
    if (existing !== undefined) {
      // Venice keeps an existing queue unchanged; the extension's limits are applied to it.
      if (Object.keys(limits).length > 0) existing.configure(limits);
      if (opts.deadLetterQueue !== undefined) this.#dlqNames.set(name, opts.deadLetterQueue);
      return;
    }
    if (opts.deadLetterQueue !== undefined) this.#dlqNames.set(name, opts.deadLetterQueue);
    if (!init.durable) {
      this.add(createQueueStore({ name, capacity: init.capacity, type: init.type, ...this.storeInit(name, limits) }));
      return;
    }
    const durability = this.durability as QueueDurability;
    const journal = await durability.openJournal(name, init.capacity);
    const meanwhile = this.#queues.get(name);
    if (meanwhile !== undefined) {
      // Created meanwhile: by a concurrent durable create (which shares this journal), or as a
      // non-durable queue, in which case the log just created must not outlive this call.
      if (!meanwhile.durable) await durability.deleteJournal(name);
      return;
    }
    this.add(createQueueStore({ name, capacity: init.capacity, type: 'BOUNDED', journal, ...this.storeInit(name, limits) }));
  }

  async #createShared(name: string, init: { capacity: number; type: QueueType; durable: boolean }, backend: QueueBackend): Promise<void> {
    const store = await backend.create(name, init); // idempotent in the engine
    const held = this.#queues.get(name);
    if (held === undefined || held.closed) this.add(store);
  }

  /** Adds a store (a regular queue, a temporary queue, or one recovered from a log). */
  add(store: QueueStore): void {
    const old = this.#queues.get(store.name);
    if (old !== undefined) this.#forget(old);
    this.#queues.set(store.name, store);
    if (store.temporary) this.#temporary++;
    else this.#regular++;
  }

  /**
   * Removes a queue: drops its messages, ends its waits, deletes a durable queue's log.
   * Absent names are fine. Returns the removed store.
   */
  async remove(name: string): Promise<QueueStore | undefined> {
    const q = this.#queues.get(name);
    if (this.backend !== undefined && q?.temporary !== true) {
      if (q !== undefined) this.removeNow(name);
      await this.backend.remove(name); // also when only another node knew the queue
      return q;
    }
    if (q === undefined) return undefined;
    this.#forget(q);
    this.#queues.delete(name);
    this.#dlqNames.delete(name);
    q.close();
    if (q.durable && this.durability !== undefined) await this.durability.deleteJournal(name);
    return q;
  }

  /** Removes without waiting for a log deletion (temporary queues are never durable). */
  removeNow(name: string): void {
    const q = this.#queues.get(name);
    if (q === undefined) return;
    this.#forget(q);
    this.#queues.delete(name);
    q.close();
  }

  /** The status of a queue (absent queues report `exists: false`). */
  status(name: string): QueueStatus {
    const q = this.#queues.get(name);
    if (q === undefined) {
      return { name, exists: false, type: null, temporary: false, durable: false, capacity: 0, size: 0 };
    }
    const status = { name, exists: true, type: q.type, temporary: q.temporary, durable: q.durable, capacity: q.capacity, size: q.size };
    const walError = q.durable ? this.durability?.failure?.(name) : undefined;
    const withError = walError === undefined ? status : { ...status, walError };
    if (q.leased === 0 && q.delayed === 0 && q.deadLettered === 0 && q.limits.maxDeliveries === 0) return withError;
    return { ...withError, leased: q.leased, delayed: q.delayed, deadLettered: q.deadLettered, deadLetterQueue: this.deadLetterQueueOf(name), bytes: q.bytes };
  }

  /** Closes every queue (server shutdown). */
  closeAll(): void {
    for (const q of this.#queues.values()) q.close();
  }

  #forget(q: QueueStore): void {
    if (q.temporary) this.#temporary--;
    else this.#regular--;
  }
}

/** Checks the arguments of `createQueue` (server API); throws coded errors. */
function checkCreate(name: string, opts: Readonly<CreateQueueOptions>): { capacity: number; type: QueueType; durable: boolean } {
  validateQueueName(name);
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'createQueue expects an options object');
  const { capacity } = opts;
  if (typeof capacity !== 'number' || !Number.isSafeInteger(capacity)) {
    throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'A queue capacity must be an integer');
  }
  if (capacity < 1) throw new QueueError(ErrorCode.QUEUE_LIMIT, 'A queue capacity must not be lower than 1');
  if (capacity > 2 ** 31 - 1) throw new QueueError(ErrorCode.QUEUE_LIMIT, 'A queue capacity is limited to 2147483647');
  const kind = opts.type ?? 'bounded';
  if (kind !== 'bounded' && kind !== 'circular') {
    throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, `Invalid queue type ${String(kind)}! Use one of {bounded, circular}.`);
  }
  const durable = opts.durable ?? false;
  if (typeof durable !== 'boolean') throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'durable must be a boolean');
  if (kind === 'circular' && durable) throw new QueueError(ErrorCode.QUEUE_NOT_PERMITTED, CIRCULAR_DURABLE_TEXT);
  return { capacity, type: kind === 'circular' ? 'CIRCULAR' : 'BOUNDED', durable };
}

/** The extension limits named in `opts` (only those given). */
function checkLimitOptions(opts: Readonly<CreateQueueOptions>): Partial<QueueLimits> {
  const out: { maxDeliveries?: number; maxBytes?: number; deadLetterExpired?: boolean } = {};
  for (const key of ['maxDeliveries', 'maxBytes'] as const) {
    const v = opts[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, `${key} must be an integer >= 0 (0 = no limit)`);
    out[key] = v;
  }
  if (opts.deadLetterExpired !== undefined) {
    if (typeof opts.deadLetterExpired !== 'boolean') throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'deadLetterExpired must be a boolean');
    out.deadLetterExpired = opts.deadLetterExpired;
  }
  return out;
}
