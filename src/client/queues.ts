import { ArgumentError, ErrorCode, MessageError, QueueError, RequestError } from '../errors.js';
import { messageFromFields, isMessage, JSON_MIMETYPE, type Message } from '../message/message.js';
import { newMessageId } from '../message/ids.js';
import { javaTrim, validateLineField, validateQueueName } from '../message/validate.js';
import type { ClientCore } from './core.js';
import type { RetryValue } from './retry.js';
import * as leases from './leases.js';
import type { LeasedMessage } from './leases.js';
import { QUEUE_TIMEOUT_MARGIN } from './options.js';

/** Longest delay setTimeout honours, ms (longer ones fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Longest queue wait the client puts in a header (`timeout: Infinity`): below setTimeout's limit with room for the margin. */
export const MAX_QUEUE_WAIT = 2 ** 31 - 1 - QUEUE_TIMEOUT_MARGIN;
/**
 * The least a poll's `responseTimeout` must exceed its queue wait by, ms (a wait of 0 or less
 * counts as 0). A poll the client gives up on while the server still waits would have the next
 * message handed to it and lost, so a shorter `responseTimeout` is refused.
 */
export const MIN_POLL_RESPONSE_MARGIN = 1_000;
/** The topics of every POLL request (one frozen list, not one per poll). */
const POLL_TOPICS: readonly string[] = Object.freeze(['queue/poll']);
/** Header timeout of queue-management requests (what Java sends). */
const MGMT_TIMEOUT = 300;

/** Options of `client.offer`. */
export interface OfferOptions {
  /** Queue the poller should answer to (`replyToQueueName`). Defaults to none. */
  readonly replyTo?: string | null;
  /**
   * How long the server may wait for space in a full bounded queue, ms. 0 or negative = no
   * wait; `Infinity` = the longest wait the server allows (about 24.8 days). Defaults to 0.
   */
  readonly timeout?: number;
  /** Stops waiting for the response (the server may still store the message). */
  readonly signal?: AbortSignal;
  /** Response timeout, ms. Defaults to the larger of the client timeout and `timeout` + 5 s. */
  readonly responseTimeout?: number;
  /** Retries of this offer (docs/resilience.md; writes need `writes: true`). Defaults to the client's `retry`. */
  readonly retry?: RetryValue;
  /**
   * Delivery delay, ms (0 to 2^31-1): the message becomes visible this long after it was
   * stored, at its place in the order of offers; kept across a restart of a durable queue.
   * Needs the queue extension (EXTENSION_UNSUPPORTED against a Venice server). Defaults to none.
   */
  readonly delay?: number;
  /** Like `delay`, as a time in ms since the epoch (converted to a delay with this machine's clock). Defaults to none. */
  readonly deliverAt?: number;
}

/** Options of `client.poll`. */
export interface PollOptions {
  /** How long the server may wait for a message, ms; 0 or negative = no wait; `Infinity` as for offer. Defaults to 0. */
  readonly timeout?: number;
  /**
   * Stops waiting for the response — **the server is not told**. A poll that is still waiting
   * on the server keeps waiting there, and the next message offered to the queue is handed to
   * it, removed from the queue (ACKed if durable) and discarded by the client: **that message
   * is lost**. Do not abort waiting polls of a queue whose messages matter; use short polls in
   * a loop, or `client.consume(queue, { signal })`, which checks its signal only between polls
   * and so never loses a message.
   */
  readonly signal?: AbortSignal;
  /**
   * Response timeout, ms. Defaults to the larger of the client timeout and `timeout` +
   * {@link QUEUE_TIMEOUT_MARGIN} (5 s). Must exceed the queue wait by at least
   * {@link MIN_POLL_RESPONSE_MARGIN} (1 s; a wait of 0 or less counts as 0), else the poll
   * rejects with `ArgumentError(VIPC_ERR_INVALID_OPTION)` without sending anything: a client
   * that gave up while the server still waits would lose the message handed out afterwards.
   */
  readonly responseTimeout?: number;
  /**
   * At-least-once: hand the message out under a lease of this many ms (1 to 2^31-1). It stays
   * in the queue until `client.ack(msg)`; `nack`, the lease running out or this connection
   * closing make it visible again at its original place. The answer is a `LeasedMessage`
   * (`deliveryCount`, `lease`). An aborted or stalled lease poll loses nothing: the lease runs
   * out. Needs the queue extension (EXTENSION_UNSUPPORTED against a Venice server).
   * Defaults to none (at-most-once, as Venice).
   */
  readonly lease?: number;
}

/** Options of `client.createQueue`. */
export interface ClientCreateQueueOptions {
  /** `bounded` or `circular`. Defaults to `bounded`. */
  readonly type?: 'bounded' | 'circular';
  /** Durable bounded queue (the server needs a write-ahead log). Defaults to false. */
  readonly durable?: boolean;
  /** Deliveries after which a message that comes back goes to the dead-letter queue; 0 = no limit (extension). Defaults to 0. */
  readonly maxDeliveries?: number;
  /** Payload bytes the queue may hold; 0 = no limit (extension). Defaults to the server's `queueMaxBytes`. */
  readonly maxBytes?: number;
  /** Dead-letter queue name (extension). Defaults to `<name>-dlq`. */
  readonly deadLetterQueue?: string;
  /** Expired messages go to the dead-letter queue (extension). Defaults to false. */
  readonly deadLetterExpired?: boolean;
}

/** Options of `client.consume`. */
export interface ConsumeOptions {
  /** Wait of each poll, ms; an abort takes effect within this time. Defaults to 1000. */
  readonly pollTimeout?: number;
  /** Ends the iteration (checked between polls, so no polled message is ever dropped). */
  readonly signal?: AbortSignal;
  /**
   * At-least-once mode (queue extension): `manual` yields leased messages that the loop
   * acks itself (`await client.ack(m)`); `auto` acks each one when the loop asks for the next,
   * and nacks the current one when the loop ends early (break or throw). Defaults to none
   * (at-most-once polls, as Venice).
   */
  readonly ack?: 'manual' | 'auto';
  /** Lease polls kept in flight in at-least-once mode (1 to 1000). Defaults to 1. */
  readonly prefetch?: number;
  /** Lease of each message in at-least-once mode, ms. Defaults to 30000. */
  readonly lease?: number;
}

/** A queue's status as the server reports it (WIRE §9.5), in Venice's member order. */
export interface ClientQueueStatus {
  readonly name: string;
  readonly exists: boolean;
  readonly type: 'BOUNDED' | 'CIRCULAR' | null;
  readonly temporary: boolean;
  readonly durable: boolean;
  readonly capacity: number;
  readonly size: number;
}

/** The header value of a queue wait: whole ms, negative → -1 (as Java), Infinity → {@link MAX_QUEUE_WAIT}. */
export function queueWait(timeout: number | undefined): number {
  if (timeout === undefined) return 0;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'A queue timeout must be a number of ms');
  if (timeout < 0) return -1;
  return Math.min(Math.floor(timeout), MAX_QUEUE_WAIT);
}

function responseTimeout(core: ClientCore, wait: number, given: number | undefined): number {
  return given ?? Math.max(core.settings.timeout, wait + QUEUE_TIMEOUT_MARGIN);
}

/** The response timeout of a poll: a given one must outlast the server's wait (see {@link MIN_POLL_RESPONSE_MARGIN}). */
function pollResponseTimeout(core: ClientCore, wait: number, given: number | undefined): number {
  if (given === undefined) return responseTimeout(core, wait, given);
  const least = Math.max(wait, 0) + MIN_POLL_RESPONSE_MARGIN;
  if (typeof given !== 'number' || !Number.isFinite(given) || given > MAX_TIMER_MS) {
    throw new ArgumentError(ErrorCode.INVALID_OPTION, `poll: responseTimeout must be a finite number of ms up to ${MAX_TIMER_MS}`);
  }
  if (given < least) {
    throw new ArgumentError(
      ErrorCode.INVALID_OPTION,
      `poll: responseTimeout ${String(given)} ms is too short for a queue wait of ${Math.max(wait, 0)} ms; it must be at least ${least} ms ` +
        `(wait + ${MIN_POLL_RESPONSE_MARGIN} ms), else the client may give up while the server still waits and the next message would be lost.`,
    );
  }
  return given;
}

function queueArg(queue: string, what: string): string {
  if (typeof queue !== 'string' || javaTrim(queue) === '') throw new MessageError(ErrorCode.INVALID_QUEUE_NAME, `${what}: A queue name must not be blank!`);
  return queue;
}

/** Builds the OFFER request (WIRE §9.4): a new id and timestamp, the message's fields and its expiry (SEMANTICS §17 #8). */
export function buildOffer(queue: string, msg: Message, replyTo: string | null | undefined, wait: number): Message {
  if (!isMessage(msg)) throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'offer expects a message');
  return messageFromFields({
    id: newMessageId(),
    type: 'OFFER',
    status: 'NULL',
    oneway: false,
    durable: msg.durable,
    requestId: msg.requestId,
    topics: msg.topics,
    mimetype: msg.mimetype,
    charset: msg.charset,
    data: msg.data,
    queueName: validateLineField(queueArg(queue, 'offer'), 'A queue name'),
    replyToQueueName: validateLineField(replyTo, 'A reply-to queue name'),
    expiresAtMillis: msg.expiresAtMillis,
    timeout: wait,
  });
}

/** Builds the POLL request (WIRE §9.4): topic `queue/poll`, octet-stream, no charset, empty payload. */
export function buildPoll(queue: string, wait: number): Message {
  queueArg(queue, 'poll');
  validateLineField(queue, 'A queue name');
  return messageFromFields({ id: newMessageId(), type: 'POLL', status: 'NULL', queueName: queue, topics: POLL_TOPICS, mimetype: 'application/octet-stream', timeout: wait });
}

/** Builds a queue-management request (WIRE §9.5) with a JSON object payload. */
export function buildManagement(type: 'CREATE_QUEUE' | 'CREATE_TEMP_QUEUE' | 'REMOVE_QUEUE' | 'STATUS_QUEUE', topic: string, json: string): Message {
  return messageFromFields({ type, status: 'NULL', topics: [topic], mimetype: JSON_MIMETYPE, charset: 'UTF-8', data: Buffer.from(json, 'utf8'), timeout: MGMT_TIMEOUT });
}

/** `client.offer`: resolves with the response, whatever its status (QUEUE_FULL, QUEUE_NOT_FOUND … are returned). */
export function offer(core: ClientCore, queue: string, msg: Message, opts: Readonly<OfferOptions> = {}): Promise<Message> {
  try {
    const wait = queueWait(opts.timeout);
    const req = buildOffer(queue, msg, opts.replyTo, wait);
    const ro = { timeout: responseTimeout(core, wait, opts.responseTimeout), signal: opts.signal, retry: opts.retry };
    if (opts.delay === undefined && opts.deliverAt === undefined) return core.request(req, ro);
    const topics = leases.delayTopic(req.topics, opts.delay, opts.deliverAt);
    return leases.requireExtension(core, 'offer with a delay').then(() => core.request(req.with({ topics }), ro));
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

/**
 * `client.poll`: resolves with the polled message (status OK) or the QUEUE_EMPTY /
 * QUEUE_NOT_FOUND … response. Rejects with INVALID_OPTION for a `responseTimeout` that does not
 * outlast the wait (see {@link PollOptions.responseTimeout}). Aborting `signal` while the poll
 * waits on the server can lose the next message (see {@link PollOptions.signal}).
 */
export function poll(core: ClientCore, queue: string, opts: Readonly<PollOptions> = {}): Promise<Message> {
  try {
    const wait = queueWait(opts.timeout);
    const timeout = pollResponseTimeout(core, wait, opts.responseTimeout);
    if (opts.lease !== undefined) return pollLeased(core, queue, leases.msArg(opts.lease, 'poll: lease', 1), wait, timeout, opts.signal);
    return core.request(buildPoll(queue, wait), { timeout, signal: opts.signal });
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

async function pollLeased(core: ClientCore, queue: string, lease: number, wait: number, timeout: number, signal: AbortSignal | undefined): Promise<LeasedMessage> {
  queueArg(queue, 'poll');
  validateLineField(queue, 'A queue name');
  await leases.requireExtension(core, 'poll with a lease');
  const res = await core.request(leases.buildLeasePoll(queue, lease, wait), { timeout, signal });
  return leases.leasedAnswer(queue, res);
}

async function manage(core: ClientCore, req: Message, failure: string): Promise<Message> {
  const res = await core.request(req);
  if (!res.responseOk) throw new RequestError(res.status, `${failure} Reason: ${safeText(res)}`);
  return res;
}

function capacityArg(capacity: number): number {
  if (typeof capacity !== 'number' || !Number.isSafeInteger(capacity)) throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'A queue capacity must be an integer');
  if (capacity < 1) throw new QueueError(ErrorCode.QUEUE_LIMIT, 'A queue capacity must not be lower than 1');
  return capacity;
}

/** `client.createQueue` (`ipc/create-queue` via a client): RequestError when the server refuses. */
export async function createQueue(core: ClientCore, name: string, capacity: number, opts: Readonly<ClientCreateQueueOptions> = {}): Promise<void> {
  validateQueueName(name);
  capacityArg(capacity);
  const type = opts.type ?? 'bounded';
  if (type !== 'bounded' && type !== 'circular') throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, `Invalid queue type ${String(type)}! Use one of {bounded, circular}.`);
  const durable = opts.durable ?? false;
  if (type === 'circular' && durable) throw new QueueError(ErrorCode.QUEUE_NOT_PERMITTED, 'Circular queues can not be made durable.');
  // Member order as the Java client writes it, so the payload bytes match.
  let json = `{"durable":${durable},"name":${JSON.stringify(name)},"bounded":${type === 'bounded'},"capacity":${capacity}}`;
  const ext = extensionMembers(opts);
  if (ext !== '') {
    await leases.requireExtension(core, 'createQueue with maxDeliveries, maxBytes, deadLetterQueue or deadLetterExpired');
    json = json.slice(0, -1) + ext + '}';
  }
  await manage(core, buildManagement('CREATE_QUEUE', 'queue/create', json), `Failed to create queue '${name}'!`);
}

/** `client.createTemporaryQueue`: the server-chosen name `queue/<uuid>`. */
export async function createTemporaryQueue(core: ClientCore, capacity: number): Promise<string> {
  capacityArg(capacity);
  const res = await manage(core, buildManagement('CREATE_TEMP_QUEUE', 'queue/create-temporary', `{"capacity":${capacity}}`), 'Failed to create temporary queue!');
  return res.text;
}

/** `client.removeQueue`: removes and clears the queue (absent names are fine). */
export async function removeQueue(core: ClientCore, name: string): Promise<void> {
  validateQueueName(name);
  await manage(core, buildManagement('REMOVE_QUEUE', 'queue/remove', `{"name":${JSON.stringify(name)}}`), `Failed to remove queue '${name}'!`);
}

/** `client.queueStatus`: the status in Venice's member order. */
export async function queueStatus(core: ClientCore, name: string, failure = `Failed to get the status of queue '${name}'!`): Promise<ClientQueueStatus> {
  validateQueueName(name);
  const res = await manage(core, buildManagement('STATUS_QUEUE', 'queue/status', `{"name":${JSON.stringify(name)}}`), failure);
  const s = res.json<Record<string, unknown>>();
  return {
    name: String(s['name']),
    exists: s['exists'] === true,
    type: s['type'] === 'BOUNDED' || s['type'] === 'CIRCULAR' ? s['type'] : null,
    temporary: s['temporary'] === true,
    durable: s['durable'] === true,
    capacity: typeof s['capacity'] === 'number' ? s['capacity'] : 0,
    size: typeof s['size'] === 'number' ? s['size'] : 0,
  };
}

/** `client.existsQueue` (a STATUS_QUEUE request, so it needs the management permission). */
export async function existsQueue(core: ClientCore, name: string): Promise<boolean> {
  return (await queueStatus(core, name, `Failed to check if queue ${name} exists!`)).exists;
}

/**
 * `client.consume`: polls the queue over and over and yields each message (status OK).
 * Ends when `signal` aborts or the loop breaks; a poll in progress is always completed first,
 * so no message is lost. Error statuses other than QUEUE_EMPTY end it with a RequestError.
 */
export async function* consume(core: ClientCore, queue: string, opts: Readonly<ConsumeOptions> = {}): AsyncGenerator<Message, void, undefined> {
  const wait = opts.pollTimeout ?? 1000;
  if (opts.ack !== undefined || opts.prefetch !== undefined || opts.lease !== undefined) {
    yield* consumeLeased(core, queue, wait, opts);
    return;
  }
  while (opts.signal?.aborted !== true) {
    const res = await poll(core, queue, { timeout: wait });
    if (res.responseOk) yield res;
    else if (res.status !== 'QUEUE_EMPTY') throw new RequestError(res.status, `Failed to poll queue '${queue}'! Reason: ${safeText(res)}`);
  }
}

/** The extension members of a CREATE_QUEUE payload (`,"k":v…`), empty when none is given. */
function extensionMembers(opts: Readonly<ClientCreateQueueOptions>): string {
  let out = '';
  for (const key of ['maxDeliveries', 'maxBytes'] as const) {
    const v = opts[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, `${key} must be an integer >= 0 (0 = no limit)`);
    out += `,"${key}":${v}`;
  }
  if (opts.deadLetterQueue !== undefined) out += `,"deadLetterQueue":${JSON.stringify(validateQueueName(opts.deadLetterQueue))}`;
  if (opts.deadLetterExpired !== undefined) {
    if (typeof opts.deadLetterExpired !== 'boolean') throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'deadLetterExpired must be a boolean');
    out += `,"deadLetterExpired":${opts.deadLetterExpired}`;
  }
  return out;
}

/** At-least-once `consume`: up to `prefetch` lease polls in flight, answers yielded in order. */
async function* consumeLeased(core: ClientCore, queue: string, wait: number, opts: Readonly<ConsumeOptions>): AsyncGenerator<LeasedMessage, void, undefined> {
  const mode = opts.ack ?? 'manual';
  if (mode !== 'manual' && mode !== 'auto') throw new ArgumentError(ErrorCode.INVALID_OPTION, "consume: ack must be 'manual' or 'auto'");
  const prefetch = opts.prefetch ?? 1;
  if (!Number.isSafeInteger(prefetch) || prefetch < 1 || prefetch > 1000) throw new ArgumentError(ErrorCode.INVALID_OPTION, 'consume: prefetch must be an integer from 1 to 1000');
  const lease = leases.msArg(opts.lease ?? leases.DEFAULT_CONSUME_LEASE, 'consume: lease', 1);
  await leases.requireExtension(core, 'consume with acknowledgements');
  const pending: Promise<LeasedMessage>[] = [];
  const aborted = (): boolean => opts.signal?.aborted === true;
  let current: LeasedMessage | undefined;
  try {
    while (!aborted()) {
      while (pending.length < prefetch && !aborted()) {
        const p = poll(core, queue, { timeout: wait, lease }) as Promise<LeasedMessage>;
        p.catch(() => undefined); // awaited below in order; this only keeps a rejection from being unhandled meanwhile
        pending.push(p);
      }
      const res = await (pending.shift() as Promise<LeasedMessage>);
      if (res.responseOk) {
        current = res;
        yield res;
        current = undefined;
        if (mode === 'auto') await leases.ack(core, res);
      } else if (res.status !== 'QUEUE_EMPTY') throw new RequestError(res.status, `Failed to poll queue '${queue}'! Reason: ${safeText(res)}`);
    }
  } finally {
    // Early end: the message being worked on (auto mode) and every prefetched one go back.
    const back: Promise<unknown>[] = [];
    if (current !== undefined && mode === 'auto') back.push(leases.nack(core, current));
    for (const p of pending.splice(0)) back.push(p.then((m) => (m.responseOk ? leases.nack(core, m) : undefined)));
    await Promise.allSettled(back); // a failed nack only means the lease runs out instead
  }
}

function safeText(m: Message): string {
  try {
    return m.text;
  } catch {
    return m.status;
  }
}
