/**
 * A shared queue on JetStream, seen through the {@link QueueStore} interface so that the
 * ordinary OFFER/POLL handlers serve it: one stream per queue (work-queue retention,
 * `max_msgs` = capacity; discard new for bounded, discard old for circular; file storage for
 * durable, memory otherwise) and one pull consumer shared by every node, so each message is
 * handed to one poller in the whole cluster.
 */
import { setMaxListeners } from 'node:events';
import { debuglog } from 'node:util';
import { NatsError, type Msg } from 'nats';
import type { Message } from '../message/message.js';
import { ClusterError, ErrorCode } from '../errors.js';
import type { DeadLetterCallback, ExpiredCallback, OfferOutcome, PollOutcome, QueueLimits, QueueStore, QueueType } from '../queue/types.js';
import { decodeStoredMessage, encodeStoredMessage } from '../transport/stored-message.js';
import { apiErrorCode, engineError, isNoStream, JS_ERR_STREAM_FULL, JS_ERR_STREAM_NOT_FOUND, type Engine } from './engine.js';
import { JsLeases, type JsLeaseGrant, type JsLeaseOutcome } from './js-leases.js';
import { POLL_CONSUMER } from './subjects.js';

const debug = debuglog('venice-ipc');
const ACK = Buffer.from('+ACK');
const NAK = Buffer.from('-NAK');
/** Longest pause between two attempts of an offer waiting for space in a full bounded queue, ms. */
const FULL_RETRY_MAX_MS = 200;
/** Pull-request status codes (JetStream): no message now / the wait expired. */
const NO_MESSAGES = new Set([404, 408]);

/** What describes one shared queue. */
export interface JsQueueInit {
  readonly name: string;
  readonly stream: string;
  readonly subject: string;
  readonly type: QueueType;
  readonly capacity: number;
  readonly durable: boolean;
  /** Messages in the stream when this store was made (from the stream info). */
  readonly size: number;
  /** Called once when the engine says the stream is gone (removed through another node). */
  readonly onGone: (store: JsQueueStore) => void;
  /** The consumer's ack wait, ms (leases longer than this are kept alive). */
  readonly ackWaitMs: number;
  /** Receives leased messages past `maxDeliveries` (the registry's hook); none: they stay. */
  readonly onDeadLetter?: DeadLetterCallback;
}

/** What a lease poll asks for (the queue work's `LeaseRequest`). */
export interface JsLeaseRequest {
  readonly ms: number;
  readonly owner: number;
}

/** A poll outcome that may carry a lease (the queue work's `PollOutcome`). */
export type JsPollOutcome = PollOutcome | { readonly status: 'ok'; readonly message: Message; readonly lease: JsLeaseGrant };

/** This node's handle on a shared queue. `size` is the engine's count at the last look plus this node's changes since. */
export class JsQueueStore implements QueueStore {
  readonly name: string;
  readonly type: QueueType;
  readonly capacity: number;
  readonly temporary = false;
  readonly durable: boolean;
  readonly owner = undefined;
  readonly expiredCount = 0;
  readonly evictedCount = 0;
  readonly allocatedSlots = 0;
  readonly stream: string;
  readonly #subject: string;
  readonly #engine: Engine;
  readonly #onGone: (s: JsQueueStore) => void;
  readonly #closing = new AbortController();
  #size: number;
  #expired = 0;
  #offers = 0;
  #polls = 0;
  readonly #leases: JsLeases;

  constructor(engine: Engine, init: JsQueueInit) {
    this.#engine = engine;
    this.name = init.name;
    this.stream = init.stream;
    this.#subject = init.subject;
    this.type = init.type;
    this.capacity = init.capacity;
    this.durable = init.durable;
    this.#size = init.size;
    this.#onGone = init.onGone;
    const onDead = init.onDeadLetter;
    this.#leases = new JsLeases(
      engine,
      init.ackWaitMs,
      onDead === undefined
        ? undefined
        : {
            maxDeliveries: () => this.#limits.maxDeliveries,
            move: (msg, deliveries) => onDead(msg, 'maxDeliveries', deliveries),
            moved: () => {
              this.#deadLettered++;
              this.#size = Math.max(0, this.#size - 1);
            },
          },
    );
    setMaxListeners(0, this.#closing.signal); // one listener per waiting offer/poll of this node
  }

  get size(): number {
    return this.#size;
  }

  /** Sets the size the engine reported (status). */
  set size(n: number) {
    this.#size = n;
  }

  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  /** Expired messages this node dropped while polling. */
  get expiredOnThisNode(): number {
    return this.#expired;
  }

  get waiting(): { offers: number; polls: number } {
    return { offers: this.#offers, polls: this.#polls };
  }

  /**
   * Publishes to the stream and resolves 'ok' only after JetStream's publish acknowledgement.
   * The message id is the `Nats-Msg-Id`: the same message offered again (a retry through any
   * node) within the stream's duplicate window is acknowledged without being stored twice.
   * A full bounded queue is retried until `timeoutMs` passes. Rejects with ClusterError
   * CLUSTER_UNAVAILABLE when the engine does not confirm in time.
   */
  offer(msg: Message, timeoutMs: number, signal?: AbortSignal): Promise<OfferOutcome> {
    if (this.closed) return Promise.resolve('closed');
    this.#offers++;
    return this.#offer(msg, timeoutMs, signal).finally(() => this.#offers--);
  }

  async #offer(msg: Message, timeoutMs: number, signal: AbortSignal | undefined): Promise<OfferOutcome> {
    const bytes = encodeStoredMessage(msg);
    const deadline = Date.now() + Math.max(0, timeoutMs);
    let pauseMs = 10;
    for (;;) {
      try {
        const ack = await this.#engine.js.publish(this.#subject, bytes, { msgID: msg.id, expect: { streamName: this.stream } });
        if (!ack.duplicate) this.#size++;
        return 'ok';
      } catch (err) {
        if (isNoStream(err) && (await this.#confirmGone(err))) return this.#gone();
        if (apiErrorCode(err) !== JS_ERR_STREAM_FULL) throw engineError(`Offer to queue ${this.name}`, err);
      }
      this.#size = this.capacity;
      const left = deadline - Date.now();
      if (this.type !== 'BOUNDED' || left <= 0) return 'full';
      if (signal?.aborted) return 'interrupted';
      // JetStream has no "wait for space": the offer tries again, backing off, until its timeout.
      if (!(await this.#pause(Math.min(pauseMs, left), signal))) return this.closed ? 'closed' : 'interrupted';
      pauseMs = Math.min(FULL_RETRY_MAX_MS, pauseMs * 2);
    }
  }

  /**
   * Takes the oldest message through the shared pull consumer, waiting up to `timeoutMs` (the
   * pull request's expiry). The message is acknowledged, and the acknowledgement confirmed,
   * before it is handed out, so no other node gets it. Expired messages are dropped (and
   * acknowledged) and reported to `onExpired`.
   */
  poll(timeoutMs: number, signal?: AbortSignal, onExpired?: ExpiredCallback): Promise<PollOutcome> {
    return this.#counted(this.#poll(timeoutMs, undefined, signal, onExpired));
  }

  /**
   * Like {@link poll}, but the message stays in the stream, invisible to every node, until it
   * is acked; a nack, the lease running out or {@link releaseOwner} makes it visible again.
   */
  pollLease(timeoutMs: number, lease: JsLeaseRequest, signal?: AbortSignal, onExpired?: ExpiredCallback): Promise<JsPollOutcome> {
    return this.#counted(this.#poll(timeoutMs, lease, signal, onExpired));
  }

  /** Messages leased through this node and not yet settled. */
  get leased(): number {
    return this.#leases.leased;
  }

  ack(token: string, owner: number): JsLeaseOutcome {
    const out = this.#leases.ack(token, owner);
    if (out === 'ok') this.#size = Math.max(0, this.#size - 1);
    return out;
  }

  nack(token: string, owner: number, delayMs: number, undeliver?: boolean): JsLeaseOutcome {
    return this.#leases.nack(token, owner, delayMs, undeliver);
  }

  extend(token: string, owner: number, ms: number): number | 'not-held' {
    return this.#leases.extend(token, owner, ms);
  }

  releaseOwner(owner: number): number {
    return this.#leases.releaseOwner(owner);
  }

  /**
   * Payload bytes held: not tracked on this node (the stream's byte count lives in JetStream),
   * so `maxBytes` and the server-wide `maxQueueBytes` do not apply to shared queues
   * (docs/cluster.md, "Leases and limits").
   */
  readonly bytes = 0;
  /** Delayed delivery is not offered on shared queues (nats-server 2.9 has no delayed messages): always 0. */
  readonly delayed = 0;
  #deadLettered = 0;
  /** Leased messages moved to the dead-letter queue through this node (past `maxDeliveries`). */
  get deadLettered(): number {
    return this.#deadLettered;
  }
  #limits: QueueLimits = { maxDeliveries: 0, maxBytes: 0, deadLetterExpired: false };

  /** The limits as given; on a shared queue none of them is enforced yet (docs/cluster.md). */
  get limits(): QueueLimits {
    return this.#limits;
  }

  configure(limits: Partial<QueueLimits>): void {
    this.#limits = { ...this.#limits, ...limits };
  }

  /** A plain offer when due now; a later time is refused with a coded error: JetStream 2.9 cannot hold a message back. */
  offerAt(msg: Message, dueAt: number, timeoutMs: number, signal?: AbortSignal): Promise<OfferOutcome> {
    if (dueAt <= Date.now()) return this.offer(msg, timeoutMs, signal);
    return Promise.reject(new ClusterError(ErrorCode.CLUSTER_ENGINE, `Queue ${this.name}: delayed delivery is not supported on a shared (cluster) queue`));
  }

  /** Expired messages are dropped when a poll meets them (reported through `onExpired`); nothing to sweep here. */
  sweepExpired(_onExpired?: ExpiredCallback): number {
    return 0;
  }

  #counted<T>(p: Promise<T>): Promise<T> {
    if (this.closed) return Promise.resolve({ status: 'closed' } as T);
    this.#polls++;
    return p.finally(() => this.#polls--);
  }

  async #poll(timeoutMs: number, lease: JsLeaseRequest | undefined, signal: AbortSignal | undefined, onExpired: ExpiredCallback | undefined): Promise<JsPollOutcome> {
    const deadline = Date.now() + Math.max(0, timeoutMs);
    for (;;) {
      if (signal?.aborted) return { status: 'interrupted' };
      const left = deadline - Date.now();
      const got = await this.#pull(left, signal);
      // A pull that ended before its expiry (leader change, 409 …) is repeated while time is left.
      if (got === undefined || (got === 'empty' && Date.now() < deadline - 20)) {
        if (Date.now() >= deadline) return { status: 'empty' };
        continue;
      }
      if (typeof got === 'string') return { status: got };
      const m = decodeStoredMessage(got.data);
      if (!m.isExpired() && lease !== undefined) return { status: 'ok', message: m, lease: this.#leases.grant(got, m, lease.owner, lease.ms) };
      await this.#ack(got);
      if (!m.isExpired()) return { status: 'ok', message: m };
      this.#expired++;
      onExpired?.(m);
    }
  }

  /** Acknowledges a pulled message and waits for the engine's confirmation. */
  async #ack(msg: Msg): Promise<void> {
    try {
      await this.#engine.nc.request(msg.reply as string, ACK, { timeout: this.#engine.settings.requestTimeout });
    } catch (err) {
      // Not confirmed: the engine hands the message out again after the ack wait, so it must not be handed out here.
      throw engineError(`Acknowledging a message of queue ${this.name}`, err);
    }
    this.#size = Math.max(0, this.#size - 1);
  }

  /** One pull request: the message (not yet acknowledged), 'empty', 'interrupted', 'closed', or undefined to try again. */
  async #pull(leftMs: number, signal: AbortSignal | undefined): Promise<Msg | 'empty' | 'interrupted' | 'closed' | undefined> {
    const { nc, settings } = this.#engine;
    const body = leftMs <= 0 ? { batch: 1, no_wait: true } : { batch: 1, expires: Math.round(leftMs * 1e6) };
    const req = nc.request(`$JS.API.CONSUMER.MSG.NEXT.${this.stream}.${POLL_CONSUMER}`, JSON.stringify(body), {
      timeout: Math.max(0, leftMs) + settings.requestTimeout,
      // JetStream delivers the message under its own subject, not the reply token the shared inbox dispatches on.
      noMux: true,
    });
    let msg: Msg;
    try {
      msg = await this.#race(req, signal);
    } catch (err) {
      if (err === ABORTED) {
        // The pull may still be answered with a message: hand it back at once (NAK), so it is not held for the ack wait.
        req.then((m) => (m.reply !== undefined && m.reply !== '' ? nc.publish(m.reply, NAK) : undefined)).catch(() => undefined);
        return this.closed ? 'closed' : 'interrupted';
      }
      if (isNoStream(err) && (await this.#confirmGone(err))) return this.#gone().then(() => 'closed' as const);
      throw engineError(`Poll of queue ${this.name}`, err);
    }
    const code = msg.headers?.code ?? 0;
    if (code !== 0 && msg.data.length === 0) {
      if (NO_MESSAGES.has(code)) {
        if (code === 404) this.#size = 0;
        return 'empty';
      }
      if (code === 409 && /deleted/i.test(msg.headers?.description ?? '')) return this.#gone().then(() => 'closed' as const);
      debug('queue %s: pull answered %d %s', this.name, code, msg.headers?.description);
      return undefined;
    }
    return msg; // not acknowledged yet: #poll acks it, or leases it
  }

  /**
   * Puts a message back whose poller went away after it was taken. It was acknowledged, so it
   * is published again (at the tail, a new message id). Returns false when the queue is closed;
   * a failed publish is logged (NODE_DEBUG=venice-ipc), the message is then lost.
   */
  requeue(msg: Message): boolean {
    if (this.closed) return false;
    this.#engine.js
      .publish(this.#subject, encodeStoredMessage(msg), { expect: { streamName: this.stream } })
      .then(() => void this.#size++)
      .catch((err: unknown) => debug('queue %s: putting back message %s failed: %s', this.name, msg.id, String(err)));
    return true;
  }

  /** Purges the stream (fire-and-forget; failures are logged). */
  clear(): void {
    this.#size = 0;
    this.#engine.jsm.streams.purge(this.stream).catch((err: unknown) => debug('queue %s: purge failed: %s', this.name, String(err)));
  }

  /** Ends this node's waits with 'closed' (the stream itself is removed by the registry's backend). */
  close(): void {
    this.#closing.abort();
    this.#leases.releaseAll(); // visible again at once for the other nodes
  }

  /**
   * "No responders" also answers while a stream's leader is being elected (a NATS server of the
   * cluster died): only the stream API saying "not found" means the queue was removed. Resolves
   * true then; throws CLUSTER_UNAVAILABLE (not confirmed) when the stream is there or the API
   * does not answer, so that nothing is reported as QUEUE_NOT_FOUND during a failover.
   */
  async #confirmGone(cause: unknown): Promise<boolean> {
    try {
      await this.#engine.jsm.streams.info(this.stream);
    } catch (err) {
      if (apiErrorCode(err) === JS_ERR_STREAM_NOT_FOUND) return true;
      throw engineError(`Queue ${this.name}`, err);
    }
    throw engineError(`Queue ${this.name}`, new NatsError(`the stream has no leader right now (${String(cause)})`, 'TIMEOUT'));
  }

  async #gone(): Promise<'closed'> {
    if (!this.closed) {
      this.close();
      this.#onGone(this);
    }
    return 'closed';
  }

  #race<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const signals = signal === undefined ? [this.#closing.signal] : [this.#closing.signal, signal];
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(ABORTED);
      for (const s of signals) {
        if (s.aborted) return onAbort();
        s.addEventListener('abort', onAbort, { once: true });
      }
      const done = (): void => {
        for (const s of signals) s.removeEventListener('abort', onAbort);
      };
      p.then(
        (v) => {
          done();
          resolve(v);
        },
        (e: unknown) => {
          done();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  /** Waits `ms`; false when the signal or the closing ended the wait first. */
  async #pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const slept = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    try {
      await this.#race(slept, signal);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Rejection of a wait ended by a signal or by closing (never leaves this file). */
const ABORTED = new Error('aborted');
