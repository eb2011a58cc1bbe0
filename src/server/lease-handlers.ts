/**
 * The server side of the venice-ipc queue extension (docs/protocol.md "Queue extension"): the
 * hello, lease POLLs, ack, nack, extend, and delayed OFFERs. Only a connection that sent the
 * hello gets any of it; a Venice client never sends the hello, so it never sees a difference.
 */
import { parseJsonLossless, JsonNumber, type JsonNode } from '../message/json.js';
import { JSON_MIMETYPE, type Message } from '../message/message.js';
import { MAX_TOPICS } from '../message/validate.js';
import { ErrorCode } from '../errors.js';
import {
  EXT_ACK_TOPIC,
  EXT_DELAY_TOPIC,
  EXT_EXTEND_TOPIC,
  EXT_FEATURES,
  EXT_LEASE_TOPIC,
  EXT_NACK_TOPIC,
  EXT_VERSION,
  encodeLeaseEnvelope,
  extRefusal,
} from '../protocol/queue-extension.js';
import { DELIVER_AT_TOPIC, withDeliverAt, withoutDeliverAt } from '../queue/markers.js';
import { MAX_LEASE_MS, type PollOutcome, type QueueStore } from '../queue/types.js';
import type { DispatchResult, RequestContext, SessionState } from './core.js';
import { jsonResponse, replyFrom, textResponse } from './responses.js';

/** Longest nack delay or offer delay, ms (about 24.8 days). */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/** Arguments of an extension request, or the refusal to send. */
type Parsed<T> = { ok: true; value: T } | { ok: false; response: Message };

/** The extension's handlers; {@link QueueHandlers} routes POLLs with a `venice-ipc/` topic here. */
export class LeaseHandlers {
  readonly #negotiated = new WeakSet<SessionState>();

  /** True when the connection sent the hello. */
  negotiated(session: SessionState): boolean {
    return this.#negotiated.has(session);
  }

  /**
   * True for a POLL that belongs to the extension: the hello, or a `venice-ipc/` topic (a
   * Venice client always sends `queue/poll`). On a connection without the hello such a POLL is
   * refused rather than served at-most-once (a client that reconnected must say hello again).
   */
  handles(msg: Message): boolean {
    return msg.topic.startsWith('venice-ipc/');
  }

  /** The hello: marks the connection and lists the features. */
  hello(ctx: RequestContext, msg: Message): Message {
    this.#negotiated.add(ctx.session);
    return jsonResponse(msg, 'OK', { 'venice-ipc': EXT_VERSION, features: EXT_FEATURES });
  }

  /**
   * An extension POLL on queue `q`: lease, ack, nack or extend. `wait` runs a lease poll with
   * the connection's wait signal (the caller owns that).
   */
  operate(
    ctx: RequestContext,
    msg: Message,
    q: QueueStore,
    wait: (lease: number) => PollOutcome | Promise<PollOutcome>,
    other: (o: PollOutcome) => Message | null,
  ): DispatchResult {
    const owner = ctx.session.id;
    if (!this.#negotiated.has(ctx.session)) {
      return textResponse(msg, 'BAD_REQUEST', extRefusal(ErrorCode.EXTENSION_UNSUPPORTED, 'Send the venice-ipc hello on this connection first'));
    }
    switch (msg.topic) {
      case EXT_LEASE_TOPIC: {
        const p = args(msg, (b) => ({ lease: intMember(b, 'lease', 1, MAX_LEASE_MS) }));
        if (!p.ok) return p.response;
        const answer = (o: PollOutcome): Message | null => (o.status === 'ok' ? leaseResponse(ctx.session, msg, q, o) : other(o));
        const out = wait(p.value.lease);
        return out instanceof Promise ? out.then(answer) : answer(out);
      }
      case EXT_ACK_TOPIC: {
        const p = args(msg, (b) => ({ token: strMember(b, 'token') }));
        if (!p.ok) return p.response;
        return settled(msg, q.ack(p.value.token, owner), 'Acked.');
      }
      case EXT_NACK_TOPIC: {
        const p = args(msg, (b) => ({ token: strMember(b, 'token'), delay: b.has('delay') ? intMember(b, 'delay', 0, MAX_DELAY_MS) : 0 }));
        if (!p.ok) return p.response;
        return settled(msg, q.nack(p.value.token, owner, p.value.delay), 'Nacked.');
      }
      case EXT_EXTEND_TOPIC: {
        const p = args(msg, (b) => ({ token: strMember(b, 'token'), lease: intMember(b, 'lease', 1, MAX_LEASE_MS) }));
        if (!p.ok) return p.response;
        const until = q.extend(p.value.token, owner, p.value.lease);
        return until === 'not-held' ? notHeld(msg) : jsonResponse(msg, 'OK', { leaseUntil: until });
      }
      default:
        return textResponse(msg, 'BAD_REQUEST', extRefusal(ErrorCode.INVALID_ARGUMENT, `Unknown queue extension request ${msg.topic}`));
    }
  }

  /**
   * A delayed OFFER (last topic `venice-ipc/delay/<ms>` on a connection that sent the hello):
   * the stored message carries a deliver-at topic instead, so a durable queue keeps the time
   * across a restart. Returns the message to store and its delivery time (0 = now), or a refusal.
   */
  delayed(session: SessionState, msg: Message, now: number): { msg: Message; dueAt: number } | Message {
    const last = msg.topics[msg.topics.length - 1] ?? '';
    if (!this.#negotiated.has(session) || msg.topics.length < 2) return { msg, dueAt: 0 };
    if (last.startsWith(DELIVER_AT_TOPIC)) {
      return textResponse(msg, 'BAD_REQUEST', extRefusal(ErrorCode.INVALID_ARGUMENT, `The topic ${DELIVER_AT_TOPIC}… is reserved`));
    }
    if (!last.startsWith(EXT_DELAY_TOPIC)) return { msg, dueAt: 0 };
    const text = last.slice(EXT_DELAY_TOPIC.length);
    const ms = /^[0-9]{1,10}$/.test(text) ? Number(text) : NaN;
    if (!(ms >= 0 && ms <= MAX_DELAY_MS)) {
      return textResponse(msg, 'BAD_REQUEST', extRefusal(ErrorCode.INVALID_ARGUMENT, `A delay must be 0 to ${MAX_DELAY_MS} ms`));
    }
    const plain = msg.with({ topics: msg.topics.slice(0, -1) });
    if (ms === 0 || plain.topics.length >= MAX_TOPICS) return { msg: plain, dueAt: 0 };
    const dueAt = now + ms;
    return { msg: withDeliverAt(plain, dueAt), dueAt };
  }
}

function leaseResponse(session: SessionState, req: Message, q: QueueStore, o: PollOutcome): Message | null {
  if (o.status !== 'ok' || o.lease === undefined) return null; // not reached: the caller answers other outcomes
  const lease = o.lease;
  if (!session.connection.isOpen || session.signal.aborted) {
    q.nack(lease.token, lease.owner, 0, true); // the poller went away: the message goes back to its place
    return null;
  }
  const m = withoutDeliverAt(o.message);
  const env = { token: lease.token, deliveryCount: lease.deliveryCount, leaseUntil: lease.leaseUntil, id: m.id };
  return replyFrom(req, m.with({ data: encodeLeaseEnvelope(env, m.data) }));
}

function settled(req: Message, out: 'ok' | 'not-held', text: string): Message {
  return out === 'ok' ? textResponse(req, 'OK', text) : notHeld(req);
}

function notHeld(req: Message): Message {
  return textResponse(
    req,
    'BAD_REQUEST',
    extRefusal(ErrorCode.LEASE_NOT_HELD, 'This connection holds no lease with that token (unknown, foreign, settled, or the lease ran out)'),
  );
}

class BadArgs extends Error {}

function args<T>(msg: Message, read: (b: Map<string, JsonNode>) => T): Parsed<T> {
  try {
    if (msg.mimetype !== JSON_MIMETYPE) throw new BadArgs('Expected a JSON payload');
    const node = parseJsonLossless(msg.text);
    if (!(node instanceof Map)) throw new BadArgs('The payload is not a JSON object');
    return { ok: true, value: read(node) };
  } catch (err) {
    const text = err instanceof BadArgs ? err.message : `Bad JSON payload: ${String(err)}`;
    return { ok: false, response: textResponse(msg, 'BAD_REQUEST', extRefusal(ErrorCode.INVALID_ARGUMENT, text)) };
  }
}

function intMember(b: Map<string, JsonNode>, key: string, min: number, max: number): number {
  const v = b.get(key);
  const n = v instanceof JsonNumber && v.integer ? Number(v.text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new BadArgs(`'${key}' must be an integer from ${min} to ${max}`);
  return n;
}

function strMember(b: Map<string, JsonNode>, key: string): string {
  const v = b.get(key);
  if (typeof v !== 'string' || v.length === 0 || v.length > 200) throw new BadArgs(`'${key}' must be a non-empty string`);
  return v;
}
