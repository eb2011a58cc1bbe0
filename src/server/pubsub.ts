import { performance } from 'node:perf_hooks';
import type { Message } from '../message/message.js';
import type { MessageTypeName } from '../protocol/codes.js';
import type { RequestContext, RequestHandler, ServerCore, ServerFeature, SessionState } from './core.js';
import type { PubSubSettings } from './pubsub-options.js';
import { constantTextResponse, textResponse } from './responses.js';

/** Response text of SUBSCRIBE (WIRE §9.2). */
export const SUBSCRIBED_TEXT = 'Subscribed to the topics.';
/** Response text of UNSUBSCRIBE (WIRE §9.2). */
export const UNSUBSCRIBED_TEXT = 'Unsubscribed from the topics.';
/** Response text of PUBLISH (WIRE §9.2; "enqued" sic). */
export const PUBLISHED_TEXT = 'Message has been enqued to publish.';
/** Payload of the answer to PUBLISH, shared by every answer (never written to). */
const PUBLISHED_DATA = Buffer.from(PUBLISHED_TEXT, 'utf8');
/** Name under which the feature is installed in `server.features`. */
export const PUBSUB_FEATURE = 'pubsub';

/** Bytes a push adds besides its payload (header 34 + frame lengths 8 + ~90 metadata), for budgeting. */
const PUSH_OVERHEAD = 128;
/** Pushes are encoded once for every plaintext subscriber (EncodeOptions.shared) and written as one batch per subscriber (SendOptions.batch). */
const SHARED = { shared: true, batch: true } as const;
/** A subscriber's batch is handed over at once when it reaches this size (one socket write's worth). */
const BATCH_FLUSH_BYTES = 64 * 1024;
/** Length of one drain-measurement window (ms): the budget follows the bytes drained in the last two windows. */
const DRAIN_WINDOW_MS = 100;
/** Queue budget of a progressing subscriber: this many times the bytes its socket drained in the last window. */
const DRAIN_BUDGET_FACTOR = 4;
/** Floor of a progressing subscriber's queue budget, in messages of the size being pushed. */
const BUDGET_FLOOR_MESSAGES = 3;
/**
 * Floor of a progressing subscriber's queue budget in bytes: covers a publisher's in-flight
 * window (64 × 100 KB) even when the reader was starved of CPU during the last windows and the
 * drained bytes say little.
 */
const BUDGET_FLOOR_BYTES = 8 * 1024 * 1024;
/** A subscriber with writes outstanding whose socket made no progress for this long is stalled (ms). */
const PUBLISH_STALL_TIMEOUT_MS = 1000;
/** Bytes queued across all subscribers at most (bounds server memory whatever the drain rates). */
const PUBLISH_BUFFER_TOTAL = 512 * 1024 * 1024;

/** Delivery state of one subscriber connection. */
class Subscriber {
  readonly session: SessionState;
  /** Pushes admitted in this event-loop turn, handed to the connection together (one write). */
  batch: Message[] = [];
  batchBytes = 0;
  /** Listed for the end-of-turn flush. */
  dirty = false;
  /** Pushes waiting for the connection's byte budget to free up (FIFO, bounded). */
  queue: Message[] = [];
  queuedBytes = 0;
  /** Pushes batched or handed to the connection whose write callback has not run yet. */
  inflight = 0;
  /**
   * Writes whose callback has not run yet, FIFO from `writesHead`: pairs of (bytes, pushes).
   * A flushed batch is one entry (only its last push carries the callback: writes complete in order).
   */
  writes: number[] = [];
  writesHead = 0;
  /** When the socket last made progress (a write callback ran, or writes started after idling). */
  lastProgress = performance.now();
  /** Drain measurement: start of the current window, bytes drained in it and in the previous one. */
  winStart = this.lastProgress;
  winBytes = 0;
  prevWinBytes = 0;
  /** Pushes handed to the connection. */
  delivered = 0;
  /** Copies dropped because the subscriber could not keep up. */
  dropped = 0;
  /** Write callback (one function per subscriber, not one per push). */
  readonly onWritten: () => void;

  constructor(session: SessionState, onWritten: (s: Subscriber) => void) {
    this.session = session;
    this.onWritten = () => onWritten(this);
  }
}

/** Subscribers of one topic, with the topic's delivery counters (metrics). */
class TopicSubscribers extends Set<Subscriber> {
  /** Copies admitted for delivery to this topic's subscribers. */
  pushes = 0;
  /** Copies dropped because a subscriber of this topic could not keep up. */
  drops = 0;
}

/** Figures of one topic that has subscribers. */
export interface TopicStats {
  readonly topic: string;
  readonly subscribers: number;
  /** Copies admitted for delivery since the topic got its first subscriber. */
  readonly pushes: number;
  /** Copies dropped since the topic got its first subscriber. */
  readonly drops: number;
}

/**
 * Carries publishes to other servers (installed by the cluster feature, docs/cluster.md): told
 * when a topic gets its first and loses its last local subscriber, and of each local publish.
 */
export interface PubSubBridge {
  topicAdded(topic: string): void;
  topicRemoved(topic: string): void;
  published(msg: Message): void;
}

/** Per-connection publish/subscribe figures (see docs/pubsub.md). */
export interface SubscriberStats {
  /** Pushes handed to this connection's socket. */
  readonly delivered: number;
  /** Copies dropped because this connection could not keep up. */
  readonly dropped: number;
  /** Pushes waiting in this connection's publish queue (at most `publishQueueCapacity`). */
  readonly queued: number;
  /** Pushes collected in this event-loop turn, written at its end (bounded by `publishBufferSize` bytes). */
  readonly batched: number;
  /** Bytes held for this connection: queued plus batched pushes. */
  readonly heldBytes: number;
}

/**
 * Publish/subscribe on the server (SEMANTICS §7): a topic → subscribers index, fan-out of
 * PUBLISH to the subscribers of its first topic, and a bounded outbound budget per subscriber.
 *
 * Publishers are never blocked (SEMANTICS §7.4 DECISION): a push is written at once while the
 * subscriber's unsent bytes are under `publishBufferSize`, else it waits in a queue of at most
 * `publishQueueCapacity` pushes (and `publishBufferSize` bytes) that drains as the socket
 * accepts data; when that queue is full the copy is dropped and accounted for.
 */
export class PubSubFeature implements ServerFeature {
  readonly handlers: Partial<Record<MessageTypeName, RequestHandler>>;
  readonly #server: ServerCore;
  readonly #settings: PubSubSettings;
  readonly #topics = new Map<string, TopicSubscribers>();
  readonly #subscribers = new Map<SessionState, Subscriber>();
  /** Subscribers with a batch to flush at the end of this event-loop turn. */
  #dirty: Subscriber[] = [];
  /** Bytes queued across all subscribers (bounded by PUBLISH_BUFFER_TOTAL). */
  #queuedTotal = 0;
  /** Set by the cluster feature. */
  bridge: PubSubBridge | undefined;

  constructor(server: ServerCore) {
    this.#server = server;
    this.#settings = server.settings.pubsub;
    this.handlers = {
      SUBSCRIBE: (ctx, msg) => this.#subscribe(ctx, msg),
      UNSUBSCRIBE: (ctx, msg) => this.#unsubscribe(ctx, msg),
      PUBLISH: (_ctx, msg) => this.#publish(msg),
    };
  }

  /** Number of topics with at least one subscriber. */
  get topicCount(): number {
    return this.#topics.size;
  }

  /** Subscribers of a topic (exact match). */
  subscriberCount(topic: string): number {
    return this.#topics.get(topic)?.size ?? 0;
  }

  /** Topics with subscribers and their counters (bounded by the subscriptions that exist). */
  topicStats(): TopicStats[] {
    const out: TopicStats[] = [];
    for (const [topic, set] of this.#topics) out.push({ topic, subscribers: set.size, pushes: set.pushes, drops: set.drops });
    return out;
  }

  /** Delivery figures of one connection (zeros if it never subscribed). */
  statsOf(session: SessionState): SubscriberStats {
    const s = this.#subscribers.get(session);
    return {
      delivered: s?.delivered ?? 0,
      dropped: s?.dropped ?? 0,
      queued: s?.queue.length ?? 0,
      batched: s?.batch.length ?? 0,
      heldBytes: (s?.queuedBytes ?? 0) + (s?.batchBytes ?? 0),
    };
  }

  #subscribe(ctx: RequestContext, msg: Message): Message {
    const session = ctx.session;
    const limit = this.#settings.maxTopicsPerConnection;
    let added = 0;
    for (const topic of msg.topics) if (!session.subscriptions.has(topic)) added++;
    if (session.subscriptions.size + added > limit) {
      // Checked before anything changes: a refused SUBSCRIBE subscribes to none of its topics.
      return textResponse(
        msg,
        'BAD_REQUEST',
        `Request SUBSCRIBE: Too many topics! The connection is subscribed to ${session.subscriptions.size} topics; ` +
          `${added} more would exceed the limit of ${limit} topics per connection.`,
      );
    }
    let sub = this.#subscribers.get(session);
    if (sub === undefined) {
      sub = new Subscriber(session, (s) => this.#written(s));
      this.#subscribers.set(session, sub);
    }
    for (const topic of msg.topics) {
      if (session.subscriptions.has(topic)) continue;
      session.subscriptions.add(topic);
      let set = this.#topics.get(topic);
      if (set === undefined) {
        this.#topics.set(topic, (set = new TopicSubscribers()));
        this.bridge?.topicAdded(topic);
      }
      set.add(sub);
    }
    return textResponse(msg, 'OK', SUBSCRIBED_TEXT);
  }

  #unsubscribe(ctx: RequestContext, msg: Message): Message {
    const sub = this.#subscribers.get(ctx.session);
    for (const topic of msg.topics) {
      if (!ctx.session.subscriptions.delete(topic) || sub === undefined) continue; // unknown topic: OK as in Java
      this.#unindex(topic, sub);
    }
    // Pushes already queued for this connection still go out: they were published while it was subscribed.
    return textResponse(msg, 'OK', UNSUBSCRIBED_TEXT);
  }

  #unindex(topic: string, sub: Subscriber): void {
    const set = this.#topics.get(topic);
    if (set === undefined) return;
    set.delete(sub);
    if (set.size === 0) {
      this.#topics.delete(topic);
      this.bridge?.topicRemoved(topic);
    }
  }

  #publish(msg: Message): Message {
    this.deliver(msg);
    this.bridge?.published(msg);
    return constantTextResponse(msg, 'OK', PUBLISHED_DATA);
  }

  /** Fans a published message out to this server's subscribers of its topic (a local PUBLISH, or one from another node). */
  deliver(msg: Message): void {
    const subs = this.#topics.get(msg.topic);
    if (subs !== undefined) {
      // One push object shared by every subscriber; each connection encodes it with its own settings.
      const push = msg.with({ type: 'REQUEST', oneway: true, subscriptionReply: true });
      const size = push.data.length + PUSH_OVERHEAD;
      let kept: Message | undefined;
      const now = performance.now();
      for (const sub of subs) {
        const conn = sub.session.connection;
        if (!conn.isOpen) continue; // going away: onSessionClosed cleans up
        if (sub.queue.length === 0 && (conn.outboundBytes + sub.batchBytes < this.#settings.publishBufferSize || sub.inflight === 0)) {
          subs.pushes++;
          this.#batch(sub, push, size, now);
        } else if (this.#admits(sub, size, now)) {
          kept ??= owned(push);
          subs.pushes++;
          sub.queue.push(kept);
          sub.queuedBytes += size;
          this.#queuedTotal += size;
        } else {
          subs.drops++;
          this.#drop(sub, msg);
        }
      }
    }
  }

  /**
   * Whether a push may wait in a subscriber's queue. A subscriber whose socket drains keeps a byte
   * budget sized from what it drained recently (floor: 8 MiB, a few pushes of this size, or
   * `publishBufferSize`); one that made no progress for the stall timeout gets the Java bounds
   * (`publishQueueCapacity` pushes within `publishBufferSize` bytes), so its copies are dropped.
   */
  #admits(sub: Subscriber, size: number, now: number): boolean {
    if (this.#queuedTotal + size > PUBLISH_BUFFER_TOTAL) return false;
    const s = this.#settings;
    if (sub.inflight > 0 && now - sub.lastProgress > PUBLISH_STALL_TIMEOUT_MS) {
      return sub.queue.length < s.publishQueueCapacity && sub.queuedBytes + size <= s.publishBufferSize;
    }
    this.#roll(sub, now);
    const recent = Math.max(sub.winBytes, sub.prevWinBytes);
    const budget = Math.max(s.publishBufferSize, BUDGET_FLOOR_BYTES, BUDGET_FLOOR_MESSAGES * size, DRAIN_BUDGET_FACTOR * recent);
    return sub.queuedBytes + size <= budget;
  }

  /** Moves the subscriber's drain measurement to the window that holds `now`. */
  #roll(sub: Subscriber, now: number): void {
    const elapsed = now - sub.winStart;
    if (elapsed < DRAIN_WINDOW_MS) return;
    sub.prevWinBytes = elapsed < 2 * DRAIN_WINDOW_MS ? sub.winBytes : 0;
    sub.winBytes = 0;
    sub.winStart = now;
  }

  /**
   * Collects the pushes of one event-loop turn per subscriber and hands them over in one go
   * (setImmediate runs after all socket reads of the turn): many PUBLISH requests arriving in
   * separate reads then cost each subscriber one write instead of one write per read.
   */
  #batch(sub: Subscriber, push: Message, size: number, now: number): void {
    if (sub.inflight === 0) sub.lastProgress = now; // an idle subscriber is not stalled
    if (sub.batch.length === 0) {
      if (this.#dirty.length === 0) setImmediate(this.#flush);
      if (!sub.dirty) this.#dirty.push(sub);
      sub.dirty = true;
    }
    sub.batch.push(push);
    sub.batchBytes += size;
    sub.inflight++; // the batch will be written: counts for the "something in flight" rule
    if (sub.batchBytes >= BATCH_FLUSH_BYTES) this.#flushOne(sub);
  }

  readonly #flush = (): void => {
    const dirty = this.#dirty;
    this.#dirty = [];
    for (const sub of dirty) {
      sub.dirty = false;
      this.#flushOne(sub);
    }
  };

  #flushOne(sub: Subscriber): void {
    const batch = sub.batch;
    const n = batch.length;
    if (n === 0) return;
    const bytes = sub.batchBytes;
    sub.batch = [];
    sub.batchBytes = 0;
    const conn = sub.session.connection;
    if (!conn.isOpen) {
      sub.inflight -= n;
      return;
    }
    // The batch stays counted in `inflight`; one callback (on its last push) accounts for all of it.
    sub.writes.push(bytes, n);
    sub.delivered += n;
    const stats = this.#server.stats;
    try {
      for (let i = 0; i < n; i++) {
        const push = batch[i] as Message;
        stats.countPush(push.data.length);
        conn.send(push, SHARED, i === n - 1 ? sub.onWritten : undefined);
      }
    } catch (err) {
      this.#writeFailed(sub, n, err);
    }
  }

  /** Hands one queued push to the connection (its own write entry and callback). */
  #write(sub: Subscriber, push: Message, size: number): void {
    sub.inflight++;
    sub.writes.push(size, 1);
    sub.delivered++;
    this.#server.stats.countPush(push.data.length);
    try {
      sub.session.connection.send(push, SHARED, sub.onWritten);
    } catch (err) {
      this.#writeFailed(sub, 1, err);
    }
  }

  /** Encoding failed for this connection (e.g. its cipher broke): it gets closed, not the publisher. */
  #writeFailed(sub: Subscriber, pushes: number, err: unknown): void {
    // The entry just added never gets its callback (the throw came before its last push was handed over).
    sub.writes.length -= 2;
    sub.inflight -= pushes;
    sub.session.destroy(err instanceof Error ? err : new Error(String(err)));
  }

  /** A write reached the kernel (or failed): move queued pushes while the budget allows. */
  #written(sub: Subscriber): void {
    const h = sub.writesHead;
    const bytes = sub.writes[h] ?? 0;
    sub.inflight -= sub.writes[h + 1] ?? 0;
    sub.writesHead = h + 2;
    if (sub.writesHead >= 2048) {
      sub.writes = sub.writes.slice(sub.writesHead);
      sub.writesHead = 0;
    }
    const now = performance.now();
    sub.lastProgress = now;
    this.#roll(sub, now);
    sub.winBytes += bytes;
    // With a batch pending, its flush writes first and its write callbacks drain the queue (keeps FIFO order).
    if (sub.queue.length === 0 || sub.batch.length > 0) return;
    const conn = sub.session.connection;
    if (!conn.isOpen) {
      this.#clearQueue(sub);
      return;
    }
    while (sub.queue.length > 0 && (conn.outboundBytes < this.#settings.publishBufferSize || sub.inflight === 0)) {
      const push = sub.queue.shift() as Message;
      const size = push.data.length + PUSH_OVERHEAD;
      sub.queuedBytes -= size;
      this.#queuedTotal -= size;
      this.#write(sub, push, size);
    }
  }

  #clearQueue(sub: Subscriber): void {
    this.#queuedTotal -= sub.queuedBytes;
    sub.queue = [];
    sub.queuedBytes = 0;
  }

  #drop(sub: Subscriber, msg: Message): void {
    sub.dropped++;
    this.#server.stats.publishDiscardedCount++;
    const s = this.#settings;
    sub.session.recordError(
      `Discarded a message published to topic '${msg.topic}': the subscriber's publish queue is full ` +
        `(${s.publishQueueCapacity} messages, ${s.publishBufferSize} bytes)!`,
      msg,
    );
    // recordError counts a discarded *response*; a dropped push is counted as publish-discarded only (SEMANTICS §12.1).
    this.#server.stats.responseDiscardedCount--;
  }

  onSessionClosed(session: SessionState): void {
    const sub = this.#subscribers.get(session);
    this.#subscribers.delete(session);
    if (sub !== undefined) {
      for (const topic of session.subscriptions) this.#unindex(topic, sub);
      this.#clearQueue(sub);
      sub.batch = [];
      sub.batchBytes = 0;
    }
    session.subscriptions.clear();
  }

  statusFields(): Record<string, unknown> {
    // Only Venice's key: the per-connection figures are in the extended status (status.ts), which Java peers never ask for.
    return { 'publish-queue-capacity': this.#settings.publishQueueCapacity };
  }
}

/**
 * A push that may wait in a queue: it must not pin a socket chunk its payload was decoded from.
 * Decoded payloads already own their memory (`ownPayload`: a small view into a larger chunk is
 * copied), so only a payload that is a small part of a larger buffer is copied here.
 */
function owned(push: Message): Message {
  const data = push.data;
  return data.buffer.byteLength > 2 * data.length ? push.with({ data: Buffer.from(data) }) : push;
}

/** Creates the publish/subscribe feature of a server. */
export function createPubSubFeature(server: ServerCore): PubSubFeature {
  return new PubSubFeature(server);
}
