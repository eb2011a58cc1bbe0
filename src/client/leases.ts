/**
 * The client side of the venice-ipc queue extension (docs/protocol.md "Queue extension"):
 * the hello, lease polls, ack, nack, extend, consume with acknowledgements, delayed offers and
 * queue limits. Nothing of it is sent before the server accepted the hello, so a Venice
 * 1.12.71 server never receives an extension request; against one, these calls reject with
 * `QueueError(VIPC_ERR_EXTENSION_UNSUPPORTED)`.
 */
import { ArgumentError, ErrorCode, QueueError, RequestError } from '../errors.js';
import { messageFromFields, JSON_MIMETYPE, type Message } from '../message/message.js';
import { MAX_TOPICS } from '../message/validate.js';
import {
  EXT_ACK_TOPIC,
  EXT_DELAY_TOPIC,
  EXT_EXTEND_TOPIC,
  EXT_HELLO_QUEUE,
  EXT_HELLO_TOPIC,
  EXT_LEASE_TOPIC,
  EXT_NACK_TOPIC,
  decodeLeaseEnvelope,
  refusalCode,
} from '../protocol/queue-extension.js';
import type { Connection } from '../transport/connection.js';
import type { ClientCore } from './core.js';

/** Longest lease, nack delay or offer delay, ms (about 24.8 days). */
export const MAX_LEASE = 2 ** 31 - 1;
/** Default `prefetch` of `consume`: lease polls kept in flight. */
export const DEFAULT_PREFETCH = 1;
/** Default lease of `consume` in at-least-once mode, ms. */
export const DEFAULT_CONSUME_LEASE = 30_000;

/** What a leased delivery carries (on {@link LeasedMessage.lease}). */
export interface LeaseInfo {
  /** Names this delivery for ack, nack and extend. */
  readonly token: string;
  /** Queue it came from. */
  readonly queue: string;
  /** End of the lease, ms since the epoch (server clock); updated by `extend`. */
  readonly until: number;
}

/**
 * The answer to a lease poll: the message as `poll` returns it, plus `deliveryCount` (1 on
 * the first delivery, 0 on a non-OK answer) and `lease` (undefined on a non-OK answer).
 */
export type LeasedMessage = Message & { readonly deliveryCount: number; readonly lease: LeaseInfo | undefined };

const features = new WeakMap<Connection, Promise<boolean>>();
const leases = new WeakMap<Message, { info: LeaseInfo; deliveryCount: number }>();

/** Sends the hello once per connection; true when the server speaks the extension. */
export function hasExtension(core: ClientCore): Promise<boolean> {
  let p = features.get(core.connection);
  if (p === undefined) {
    const req = messageFromFields({
      type: 'POLL',
      status: 'NULL',
      queueName: EXT_HELLO_QUEUE,
      topics: [EXT_HELLO_TOPIC],
      mimetype: JSON_MIMETYPE,
      charset: 'UTF-8',
      data: Buffer.from('{"features":["lease","delay","dead-letter","queue-limits"]}', 'utf8'),
      timeout: -1,
    });
    // A Venice server answers QUEUE_NOT_FOUND: it can have no queue named `wal`.
    p = core.request(req).then((res) => res.responseOk && res.mimetype === JSON_MIMETYPE && typeof res.json<Record<string, unknown>>()['venice-ipc'] === 'number');
    p.catch(() => features.delete(core.connection)); // a failed hello (timeout, closed) is tried again next time
    features.set(core.connection, p);
  }
  return p;
}

/** Rejects with EXTENSION_UNSUPPORTED unless the server accepted the hello. */
export async function requireExtension(core: ClientCore, what: string): Promise<void> {
  if (!(await hasExtension(core))) {
    throw new QueueError(ErrorCode.EXTENSION_UNSUPPORTED, `${what} needs the venice-ipc queue extension, which this server does not offer (a Venice server is at-most-once)`);
  }
}

/** Checks a lease or delay length in ms. */
export function msArg(v: unknown, what: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > MAX_LEASE) {
    throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, `${what} must be an integer number of ms from ${min} to ${MAX_LEASE}`);
  }
  return v;
}

function extRequest(queue: string, topic: string, body: unknown, wait = -1): Message {
  return messageFromFields({
    type: 'POLL',
    status: 'NULL',
    queueName: queue,
    topics: [topic],
    mimetype: JSON_MIMETYPE,
    charset: 'UTF-8',
    data: Buffer.from(JSON.stringify(body), 'utf8'),
    timeout: wait,
  });
}

/** Builds the lease POLL. */
export function buildLeasePoll(queue: string, leaseMs: number, wait: number): Message {
  return extRequest(queue, EXT_LEASE_TOPIC, { lease: leaseMs }, wait);
}

/** Turns the answer to a lease poll into a {@link LeasedMessage}. */
export function leasedAnswer(queue: string, res: Message): LeasedMessage {
  if (!res.responseOk) return withLease(res, undefined, 0);
  const split = decodeLeaseEnvelope(res.data);
  if (split === undefined) throw new QueueError(ErrorCode.INTERNAL, 'The answer to a lease poll carries no lease');
  const m = res.with({ data: split.payload });
  const info = { token: split.env.token, queue, until: split.env.leaseUntil };
  return withLease(m, info, split.env.deliveryCount);
}

function withLease(m: Message, info: LeaseInfo | undefined, deliveryCount: number): LeasedMessage {
  const state = { info: info as LeaseInfo, deliveryCount };
  // A Proxy keeps the message's own methods and private state working (they run on the target).
  const proxy = new Proxy(m, {
    get(target, key) {
      if (key === 'deliveryCount') return state.deliveryCount;
      if (key === 'lease') return info === undefined ? undefined : state.info;
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
    has(target, key) {
      return key === 'deliveryCount' || key === 'lease' || Reflect.has(target, key);
    },
  }) as LeasedMessage;
  if (info !== undefined) leases.set(proxy, state);
  return proxy;
}

function leaseOf(msg: Message, what: string): { info: LeaseInfo; deliveryCount: number } {
  const s = leases.get(msg);
  if (s === undefined) throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, `${what}: the message was not handed out under a lease (poll with { lease })`);
  return s;
}

async function settle(core: ClientCore, msg: Message, topic: string, what: string, extra: Record<string, number>): Promise<Message> {
  const s = leaseOf(msg, what);
  await requireExtension(core, what);
  const res = await core.request(extRequest(s.info.queue, topic, { token: s.info.token, ...extra }));
  if (res.responseOk) return res;
  const text = res.text;
  const code = refusalCode(text);
  if (code === ErrorCode.LEASE_NOT_HELD) throw new QueueError(ErrorCode.LEASE_NOT_HELD, `${what}: ${text.slice(code.length + 2)}`);
  if (res.status === 'QUEUE_NOT_FOUND') throw new QueueError(ErrorCode.QUEUE_NOT_FOUND, `${what}: the queue ${s.info.queue} does not exist (its leases ended with it)`);
  throw new RequestError(res.status, `${what} failed: ${text}`);
}

/** `client.ack`: removes a leased message for good. */
export async function ack(core: ClientCore, msg: Message): Promise<void> {
  await settle(core, msg, EXT_ACK_TOPIC, 'ack', {});
}

/** Options of `client.nack`. */
export interface NackOptions {
  /** Ms before the message becomes visible again (at its place in the order), 0 to 2^31-1. Defaults to 0. */
  readonly delay?: number;
}

/** `client.nack`: puts a leased message back at its place, now or after `delay`. */
export async function nack(core: ClientCore, msg: Message, opts: Readonly<NackOptions> = {}): Promise<void> {
  const delay = opts.delay === undefined ? 0 : msArg(opts.delay, 'nack: delay', 0);
  await settle(core, msg, EXT_NACK_TOPIC, 'nack', { delay });
}

/** `client.extend`: renews a lease to run `ms` from now; resolves with its new end (server clock). */
export async function extend(core: ClientCore, msg: Message, ms: number): Promise<number> {
  const lease = msArg(ms, 'extend: the lease', 1);
  const res = await settle(core, msg, EXT_EXTEND_TOPIC, 'extend', { lease });
  const until = res.json<{ leaseUntil: number }>().leaseUntil;
  const s = leaseOf(msg, 'extend');
  s.info = { ...s.info, until };
  return until;
}

/** Adds the delay topic to an OFFER (`delay` ms, or `deliverAt` ms since the epoch). */
export function delayTopic(topics: readonly string[], delay: number | undefined, deliverAt: number | undefined): string[] {
  if (delay !== undefined && deliverAt !== undefined) throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'offer: give delay or deliverAt, not both');
  if (deliverAt !== undefined && (typeof deliverAt !== 'number' || !Number.isSafeInteger(deliverAt) || deliverAt < 0)) {
    throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'offer: deliverAt must be ms since the epoch');
  }
  const ms = delay !== undefined ? msArg(delay, 'offer: delay', 0) : Math.max(0, (deliverAt ?? 0) - Date.now());
  if (topics.length >= MAX_TOPICS) throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, `offer: a delayed message may have at most ${MAX_TOPICS - 1} topics`);
  return [...topics, `${EXT_DELAY_TOPIC}${Math.min(ms, MAX_LEASE)}`];
}
