import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { ArgumentError, ErrorCode, QueueError } from '../errors.js';
import { JsonNumber, parseJsonLossless, type JsonNode } from '../message/json.js';
import { JSON_MIMETYPE, type Message } from '../message/message.js';
import { queueNameProblem } from '../message/validate.js';
import { createQueueStore } from '../queue/memory-queue.js';
import { EXT_HELLO_QUEUE, EXT_HELLO_TOPIC } from '../protocol/queue-extension.js';
import type { OfferOutcome, PollOutcome, QueueStore } from '../queue/types.js';
import type { DispatchResult, RequestContext, SessionState } from './core.js';
import { NO_WAL_TEXT, type QueueRegistry } from './queue-registry.js';
import { LeaseHandlers } from './lease-handlers.js';
import { withoutDeliverAt } from '../queue/markers.js';
import { jsonResponse, replyFrom, textResponse } from './responses.js';

const INT32_MAX = 2 ** 31 - 1;
/** Keep a stored payload's view only if it does not pin a much larger receive buffer. */
const PIN_SLACK = 8192;

/** The OFFER/POLL and queue-management request handlers (WIRE §9.4–9.5) over one registry. */
export class QueueHandlers {
  readonly #registry: QueueRegistry;
  readonly #signals = new WeakMap<SessionState, AbortSignal>();
  readonly #ext = new LeaseHandlers();

  constructor(registry: QueueRegistry) {
    this.#registry = registry;
  }

  /** Aborts when the connection closes or the server shuts down (one per connection). */
  #waitSignal(ctx: RequestContext): AbortSignal {
    let s = this.#signals.get(ctx.session);
    if (s === undefined) {
      s = AbortSignal.any([ctx.session.signal, ctx.server.shutdownSignal]);
      setMaxListeners(0, s); // one listener per waiting offer/poll of this connection
      this.#signals.set(ctx.session, s);
    }
    return s;
  }

  offer(ctx: RequestContext, msg: Message): DispatchResult {
    const name = msg.queueName;
    if (name === null) throw new QueueError(ErrorCode.QUEUE_NOT_FOUND, 'The OFFER request names no queue');
    const q = this.#registry.get(name);
    if (q === undefined) return textResponse(msg, 'QUEUE_NOT_FOUND', 'Offer rejected! The queue does not exist.');
    const delayed = this.#ext.delayed(ctx.session, msg, Date.now());
    if (!('dueAt' in delayed)) return delayed;
    const stored = delayed.msg.with({ type: 'REQUEST', data: unpinned(msg.data) });
    const waits = q.type === 'BOUNDED' && msg.timeout > 0;
    const out = q.offerAt(stored, delayed.dueAt, msg.timeout, waits ? this.#waitSignal(ctx) : undefined);
    if (out instanceof Promise) return out.then((o) => offerResponse(msg, q, o));
    return offerResponse(msg, q, out);
  }

  poll(ctx: RequestContext, msg: Message): DispatchResult {
    const name = msg.queueName;
    if (name === null) throw new QueueError(ErrorCode.QUEUE_NOT_FOUND, 'The POLL request names no queue');
    const { session } = ctx;
    const ext = this.#ext.handles(msg);
    if (ext && msg.topic === EXT_HELLO_TOPIC && name === EXT_HELLO_QUEUE) return this.#ext.hello(ctx, msg);
    const q = this.#registry.get(name);
    if (q === undefined) return textResponse(msg, 'QUEUE_NOT_FOUND', 'Poll rejected! The queue does not exist.');
    const onExpired = (m: Message): void => {
      session.recordError(`Discarded expired message (request-id: ${m.requestId})polling from queue '${name}'!`, m);
    };
    const waits = q.type === 'BOUNDED' && msg.timeout > 0;
    if (ext) {
      const lease = (ms: number): PollOutcome | Promise<PollOutcome> =>
        q.pollLease(msg.timeout, { ms, owner: session.id }, waits ? this.#waitSignal(ctx) : undefined, onExpired);
      return this.#ext.operate(ctx, msg, q, lease, (o) => pollResponse(session, msg, q, o));
    }
    const out = q.poll(msg.timeout, waits ? this.#waitSignal(ctx) : undefined, onExpired);
    if (out instanceof Promise) return out.then((o) => pollResponse(session, msg, q, o));
    return pollResponse(session, msg, q, out);
  }

  createQueue(ctx: RequestContext, msg: Message): DispatchResult {
    const type = msg.type;
    if (msg.mimetype !== JSON_MIMETYPE) return textResponse(msg, 'BAD_REQUEST', `Request ${type}: Expected a JSON payload`);
    const settings = ctx.server.settings;
    if (!settings.permitClientQueueMgmt) return textResponse(msg, 'NO_PERMISSION', 'Clients are not permitted to create queues!');
    if (this.#registry.regularCount >= settings.maxQueues) {
      return textResponse(msg, 'BAD_REQUEST', `Request ${type}: Too many queues! Reached the limit of ${settings.maxQueues} queues.`);
    }
    const body = jsonObject(msg);
    const name = member(body, 'name', 'string');
    const capacity = member(body, 'capacity', 'int');
    const bounded = member(body, 'bounded', 'boolean');
    const durable = member(body, 'durable', 'boolean');
    if (durable && !this.#registry.acceptsDurable) return textResponse(msg, 'BAD_REQUEST', NO_WAL_TEXT);
    const problem = queueNameProblem(name);
    if (problem !== undefined) return textResponse(msg, 'BAD_REQUEST', `Request ${type}: Invalid queue name: ${problem}`);
    if (capacity < 1) {
      return textResponse(msg, 'BAD_REQUEST', `Request ${type}: A queue name must not be blank and the capacity must not be lower than 1`);
    }
    const created = (): Message => textResponse(msg, 'OK', `Request ${type}: Queue ${name} created.`);
    // durable ignores bounded, as the Java server does (WIRE §9.5)
    const kind = durable || bounded ? 'bounded' : 'circular';
    const limits = extensionMembers(body);
    return this.#registry.create(name, { capacity, type: kind, durable, ...limits }).then(created, (err: unknown) =>
      textResponse(msg, 'BAD_REQUEST', `Request ${type}: Failed to ceate queue: ${name}. Reason: ${reason(err)}`),
    );
  }

  createTempQueue(ctx: RequestContext, msg: Message): DispatchResult {
    const type = msg.type;
    if (msg.mimetype !== JSON_MIMETYPE) return textResponse(msg, 'BAD_REQUEST', `Request ${type}: Expected a JSON payload`);
    const { session } = ctx;
    const max = ctx.server.settings.maxQueues;
    if (session.tempQueues.size >= max) {
      return textResponse(
        msg,
        'BAD_REQUEST',
        `Request ${type}: Too many temporary queues! Reached the limit of ${max} temporary queues for this client.`,
      );
    }
    const capacity = member(jsonObject(msg), 'capacity', 'int');
    if (capacity < 1) return textResponse(msg, 'BAD_REQUEST', `Request ${type}: A queue capacity must not be lower than 1`);
    const name = `queue/${randomUUID()}`;
    this.#registry.add(createQueueStore({ name, capacity, type: 'BOUNDED', temporary: true, owner: session.id, ...this.#registry.storeInit(name) }));
    session.tempQueues.add(name);
    return textResponse(msg, 'OK', name);
  }

  removeQueue(ctx: RequestContext, msg: Message): DispatchResult {
    const type = msg.type;
    if (msg.mimetype !== JSON_MIMETYPE) return textResponse(msg, 'BAD_REQUEST', `Request ${type}: Expected a JSON payload`);
    if (!ctx.server.settings.permitClientQueueMgmt) {
      return textResponse(msg, 'NO_PERMISSION', 'Clients are not permitted to remove queues!');
    }
    const name = member(jsonObject(msg), 'name', 'string');
    const problem = queueNameProblem(name);
    if (problem !== undefined) return textResponse(msg, 'BAD_REQUEST', `Request ${type}: Invalid queue name: ${problem}`);
    const owner = this.#registry.get(name)?.owner;
    if (owner !== undefined) {
      for (const s of ctx.server.sessions) if (s.id === owner) s.tempQueues.delete(name);
    }
    return this.#registry.remove(name).then(() => textResponse(msg, 'OK', `Request ${type}: Queue ${name} removed.`));
  }

  statusQueue(ctx: RequestContext, msg: Message): DispatchResult {
    const type = msg.type;
    if (msg.mimetype !== JSON_MIMETYPE) return textResponse(msg, 'BAD_REQUEST', `Request ${type}: Expected a JSON payload`);
    if (!ctx.server.settings.permitClientQueueMgmt) {
      return textResponse(msg, 'NO_PERMISSION', 'Clients are not permitted to request queue status!');
    }
    const name = member(jsonObject(msg), 'name', 'string');
    const problem = queueNameProblem(name);
    if (problem !== undefined) return textResponse(msg, 'BAD_REQUEST', `Request ${type}: Invalid queue name: ${problem}`);
    return jsonResponse(msg, 'OK', this.#registry.status(name));
  }
}

/** The response to an OFFER with outcome `o` (Venice's texts). */
export function offerResponse(req: Message, q: Pick<QueueStore, 'name' | 'durable'>, o: OfferOutcome): Message {
  switch (o) {
    case 'ok':
      return textResponse(req, 'OK', `Offered the message to the queue ${q.name} (durable: ${req.durable && q.durable}).`);
    case 'full':
      return textResponse(req, 'QUEUE_FULL', 'Offer rejected! The queue is full.');
    case 'interrupted':
      return textResponse(req, 'QUEUE_ACCESS_INTERRUPTED', 'Offer rejected! Queue access interrupted.');
    case 'closed': // removed while the offer waited
      return textResponse(req, 'QUEUE_NOT_FOUND', 'Offer rejected! The queue does not exist.');
    default: {
      const never: never = o;
      throw new QueueError(ErrorCode.INTERNAL, `unexpected offer outcome ${String(never)}`);
    }
  }
}

function pollResponse(session: SessionState, req: Message, q: QueueStore, o: PollOutcome): Message | null {
  switch (o.status) {
    case 'ok':
      if (!session.connection.isOpen || session.signal.aborted) {
        q.requeue(o.message); // the poller went away: the message stays in the queue
        return null;
      }
      return replyFrom(req, withoutDeliverAt(o.message));
    case 'empty':
      return textResponse(req, 'QUEUE_EMPTY', 'Poll rejected! The queue is empty.');
    case 'interrupted':
      return textResponse(req, 'QUEUE_ACCESS_INTERRUPTED', 'Poll rejected! Queue access interrupted.');
    case 'closed':
      return textResponse(req, 'QUEUE_NOT_FOUND', 'Poll rejected! The queue does not exist.');
    default: {
      const never: never = o;
      throw new QueueError(ErrorCode.INTERNAL, `unexpected poll outcome ${String(never)}`);
    }
  }
}

function unpinned(data: Buffer): Buffer {
  return data.buffer.byteLength > data.length + PIN_SLACK ? Buffer.from(data) : data;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Parses a management payload; anything but a JSON object throws (→ HANDLER_ERROR, as in Java). */
function jsonObject(msg: Message): Map<string, JsonNode> {
  const node = parseJsonLossless(msg.text);
  if (!(node instanceof Map)) throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'The request payload is not a JSON object');
  return node;
}

function member(body: Map<string, JsonNode>, key: string, kind: 'string'): string;
function member(body: Map<string, JsonNode>, key: string, kind: 'int'): number;
function member(body: Map<string, JsonNode>, key: string, kind: 'boolean'): boolean;
function member(body: Map<string, JsonNode>, key: string, kind: 'string' | 'int' | 'boolean'): string | number | boolean {
  const v = body.get(key);
  if (kind === 'string' && typeof v === 'string') return v;
  if (kind === 'boolean' && typeof v === 'boolean') return v;
  if (kind === 'int' && v instanceof JsonNumber && v.integer) {
    const n = Number(v.text);
    if (Number.isSafeInteger(n) && Math.abs(n) <= INT32_MAX) return n;
  }
  throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, `The request member '${key}' is missing or not ${kind === 'int' ? 'an integer' : `a ${kind}`}`);
}

/** The optional members of the queue extension in a CREATE_QUEUE payload (a Venice client sends none). */
function extensionMembers(body: Map<string, JsonNode>): { maxDeliveries?: number; maxBytes?: number; deadLetterQueue?: string; deadLetterExpired?: boolean } {
  const out: { maxDeliveries?: number; maxBytes?: number; deadLetterQueue?: string; deadLetterExpired?: boolean } = {};
  for (const key of ['maxDeliveries', 'maxBytes'] as const) {
    const v = body.get(key);
    if (v === undefined) continue;
    const n = v instanceof JsonNumber && v.integer ? Number(v.text) : NaN;
    if (!Number.isSafeInteger(n) || n < 0) throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, `The request member '${key}' must be an integer >= 0`);
    out[key] = n;
  }
  const dlq = body.get('deadLetterQueue');
  if (dlq !== undefined) {
    if (typeof dlq !== 'string') throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, "The request member 'deadLetterQueue' must be a string");
    out.deadLetterQueue = dlq;
  }
  const dle = body.get('deadLetterExpired');
  if (dle !== undefined) {
    if (typeof dle !== 'boolean') throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, "The request member 'deadLetterExpired' must be a boolean");
    out.deadLetterExpired = dle;
  }
  return out;
}
