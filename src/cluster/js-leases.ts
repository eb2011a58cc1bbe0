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

const debug = debuglog('venice-ipc');
const ACK = Buffer.from('+ACK');
const WPI = Buffer.from('+WPI');

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

  constructor(engine: Engine, ackWaitMs: number) {
    this.#engine = engine;
    this.#ackWaitMs = ackWaitMs;
  }

  /** Messages leased through this node and not yet settled. */
  get leased(): number {
    return this.#held.size;
  }

  /** Records the lease of a pulled (unacknowledged) message; returns its grant. */
  grant(msg: Msg, owner: number, ms: number): JsLeaseGrant {
    const reply = msg.reply ?? '';
    const parsed = parseAckSubject(reply);
    const token = `${parsed?.streamSeq ?? 0}.${parsed?.delivered ?? 0}`;
    const held: Held = { reply, owner, until: Date.now() + ms, timer: undefined };
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
    this.#nak(h.reply, delayMs);
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
      this.#nak(h.reply, 0);
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
        this.#nak(h.reply, 0); // the lease ran out: visible again now, not after the ack wait
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
