/**
 * Leases (the at-least-once mode of the queue work, issue 10) on a shared queue's pull
 * consumer. A leased message is pulled but not acknowledged: JetStream keeps it invisible to
 * every node until it is acked (`+ACK`), nacked (`-NAK`, with a delay) or its ack wait runs
 * out. The lease length is kept here, per message: when it runs out the message is nacked so it
 * becomes visible at once; while a lease is longer than the consumer's ack wait it is kept alive
 * with `+WPI` (work in progress) every half ack wait. The delivery count is JetStream's (from the
 * `$JS.ACK…` reply subject), so it counts across nodes.
 *
 * Signatures follow `QueueStore` of the queue work (`pollLease`, `ack`, `nack`, `extend`,
 * `releaseOwner`, `leased`), so that `JsQueueStore` implements them once that lands.
 */
import { debuglog } from 'node:util';
import type { Msg } from 'nats';
import type { Engine } from './engine.js';
import type { Message } from '../message/message.js';

const debug = debuglog('venice-ipc');
const ACK = Buffer.from('+ACK');
const WPI = Buffer.from('+WPI');

/** Where messages past `maxDeliveries` go (the registry's dead-letter hook). */
export interface JsDeadLetters {
  maxDeliveries(): number;
  /** Stores the message in the dead-letter queue; true once it is there. */
  move(msg: Message, deliveries: number): boolean | Promise<boolean>;
  /** The source message was acknowledged after a move. */
  moved(): void;
}

/** A granted lease (the shape of the queue work's `LeaseGrant`). */
export interface JsLeaseGrant {
  readonly token: string;
  readonly owner: number;
  readonly deliveryCount: number;
  readonly leaseUntil: number;
}

/** Outcome of ack, nack and extend for a lease not held by the caller. */
export type JsLeaseOutcome = 'ok' | 'not-held';

interface Held {
  readonly reply: string;
  readonly owner: number;
  readonly message: Message;
  readonly delivered: number;
  until: number;
  timer: NodeJS.Timeout | undefined;
}

/** Delivery count and stream sequence from a `$JS.ACK` reply subject (9-token and 12-token forms). */
export function parseAckSubject(reply: string): { delivered: number; streamSeq: number } | undefined {
  const t = reply.split('.');
  if (t[0] !== '$JS' || t[1] !== 'ACK') return undefined;
  const base = t.length >= 11 ? 4 : 2; // with domain and account hash, the stream name is token 4
  const delivered = Number(t[base + 2]);
  const streamSeq = Number(t[base + 3]);
  return Number.isSafeInteger(delivered) && Number.isSafeInteger(streamSeq) ? { delivered, streamSeq } : undefined;
}

/** The open leases of one shared queue on this node. */
export class JsLeases {
  readonly #engine: Engine;
  readonly #ackWaitMs: number;
  readonly #held = new Map<string, Held>();
  readonly #dead: JsDeadLetters | undefined;

  constructor(engine: Engine, ackWaitMs: number, dead?: JsDeadLetters) {
    this.#engine = engine;
    this.#ackWaitMs = ackWaitMs;
    this.#dead = dead;
  }

  /** Messages leased through this node and not yet settled. */
  get leased(): number {
    return this.#held.size;
  }

  /** Records the lease of a pulled (unacknowledged) message; returns its grant. */
  grant(msg: Msg, message: Message, owner: number, ms: number): JsLeaseGrant {
    const reply = msg.reply ?? '';
    const parsed = parseAckSubject(reply);
    const token = `${parsed?.streamSeq ?? 0}.${parsed?.delivered ?? 0}`;
    const held: Held = { reply, owner, message, delivered: parsed?.delivered ?? 1, until: Date.now() + ms, timer: undefined };
    this.#held.set(token, held);
    this.#arm(token, held);
    return { token, owner, deliveryCount: parsed?.delivered ?? 1, leaseUntil: held.until };
  }

  ack(token: string, owner: number): JsLeaseOutcome {
    const h = this.#take(token, owner);
    if (h === undefined) return 'not-held';
    // Confirmed, so that a lost ack shows in the log; JetStream redelivers an unconfirmed one after the ack wait.
    this.#engine.nc.request(h.reply, ACK, { timeout: this.#engine.settings.requestTimeout }).catch((err: unknown) => debug('lease %s: ack not confirmed: %s', token, String(err)));
    return 'ok';
  }

  /** Visible again now or after `delayMs`. `undeliver` cannot be honoured: JetStream's delivery count only grows. */
  nack(token: string, owner: number, delayMs: number, _undeliver?: boolean): JsLeaseOutcome {
    const h = this.#take(token, owner);
    if (h === undefined) return 'not-held';
    this.#giveBack(h, delayMs);
    return 'ok';
  }

  extend(token: string, owner: number, ms: number): number | 'not-held' {
    const h = this.#held.get(token);
    if (h === undefined || h.owner !== owner) return 'not-held';
    clearTimeout(h.timer);
    h.until = Date.now() + ms;
    this.#engine.nc.publish(h.reply, WPI); // restarts JetStream's ack wait
    this.#arm(token, h);
    return h.until;
  }

  /** Gives back every lease of `owner` (its connection closed): visible again at once. */
  releaseOwner(owner: number): number {
    let n = 0;
    for (const [token, h] of this.#held) {
      if (h.owner !== owner) continue;
      this.#take(token, owner);
      this.#giveBack(h, 0);
      n++;
    }
    return n;
  }

  /** Gives back every lease (the queue closes on this node). */
  releaseAll(): void {
    for (const [token, h] of this.#held) {
      this.#take(token, h.owner);
      this.#nak(h.reply, 0);
    }
  }

  #take(token: string, owner: number): Held | undefined {
    const h = this.#held.get(token);
    if (h === undefined || h.owner !== owner) return undefined;
    clearTimeout(h.timer);
    this.#held.delete(token);
    return h;
  }

  /**
   * A leased message comes back: past `maxDeliveries` (counted by JetStream, read from the ack
   * subject) it is moved to the dead-letter queue and then acknowledged here; else, or when
   * the move fails, it is nacked (visible again now or after `delayMs`).
   */
  #giveBack(h: Held, delayMs: number): void {
    const dead = this.#dead;
    const max = dead?.maxDeliveries() ?? 0;
    if (dead === undefined || max <= 0 || h.delivered < max || this.#engine.nc.isClosed()) {
      this.#nak(h.reply, delayMs);
      return;
    }
    if (!this.#engine.nc.isClosed()) this.#engine.nc.publish(h.reply, WPI); // still ours while it moves
    const done = (moved: boolean): void => {
      if (!moved || this.#engine.nc.isClosed()) {
        this.#nak(h.reply, delayMs);
        return;
      }
      this.#engine.nc
        .request(h.reply, ACK, { timeout: this.#engine.settings.requestTimeout })
        .then(() => dead.moved())
        .catch((err: unknown) => debug('dead letter: ack of the source not confirmed: %s', String(err)));
    };
    let r: boolean | Promise<boolean>;
    try {
      r = dead.move(h.message, h.delivered);
    } catch (err) {
      debug('dead letter: move failed: %s', String(err));
      r = false;
    }
    void Promise.resolve(r).then(done, (err: unknown) => {
      debug('dead letter: move failed: %s', String(err));
      done(false);
    });
  }

  #nak(reply: string, delayMs: number): void {
    if (this.#engine.nc.isClosed()) return; // JetStream redelivers after the ack wait
    const body = delayMs > 0 ? `-NAK ${JSON.stringify({ delay: Math.round(delayMs * 1e6) })}` : '-NAK';
    this.#engine.nc.publish(reply, Buffer.from(body));
  }

  /** The next step of a lease: its end (NAK), or a keep-alive (+WPI) before JetStream's ack wait would end it. */
  #arm(token: string, h: Held): void {
    const left = h.until - Date.now();
    const keepAlive = this.#ackWaitMs / 2;
    if (left <= keepAlive) {
      h.timer = setTimeout(() => {
        if (this.#held.get(token) !== h) return;
        this.#held.delete(token);
        this.#giveBack(h, 0); // the lease ran out: visible again now, not after the ack wait
      }, Math.max(0, left));
    } else {
      h.timer = setTimeout(() => {
        if (this.#held.get(token) !== h) return;
        if (!this.#engine.nc.isClosed()) this.#engine.nc.publish(h.reply, WPI);
        this.#arm(token, h);
      }, keepAlive);
    }
    h.timer.unref();
  }
}
