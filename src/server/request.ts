import { ErrorCode, TimeoutError } from '../errors.js';
import { isMessage, type Message } from '../message/message.js';
import type { DispatchResult, RequestContext, SessionState } from './core.js';
import type { HandlerContext } from './options.js';
import { jsonResponse, replyFrom, textResponse } from './responses.js';
import { EXTENDED_STATUS_TOPIC, extendedStatus, serverStatus, threadPoolStatistics } from './status.js';

/** Text of the answer to a REQUEST on a server without handler (SEMANTICS §3.3). */
export const NO_HANDLER_TEXT = 'Error: There is no handler defined for this server!';
const SERVER_TOPIC_PREFIX = 'ipc-server/';
const UNKNOWN_SERVER_TOPIC =
  'Unknown server request topic. \nValid topics are:\n  \u2022 ipc-server/status\n  \u2022 ipc-server/thread-pool-statistics\n  \u2022 ipc-server/error';

/** Describes a thrown value for a HANDLER_ERROR text without leaking a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Answers REQUEST (WIRE §9.1): server topics, else the handler. */
export function handleRequest(ctx: RequestContext, msg: Message): DispatchResult {
  if (msg.topic.startsWith(SERVER_TOPIC_PREFIX)) return serverTopic(ctx, msg);
  const handler = ctx.server.settings.handler;
  if (handler === undefined) return textResponse(msg, 'HANDLER_ERROR', NO_HANDLER_TEXT);
  const deadline = ctx.server.settings.resilience.handlerTimeout;
  const info = new HandlerInfo(ctx.session, deadline > 0);
  let out: ReturnType<typeof handler>;
  try {
    out = handler(msg, info);
  } catch (err) {
    return handlerFailed(ctx, msg, err);
  }
  if (out instanceof Promise) {
    const answer = out.then(
      (res) => handlerResult(ctx, msg, res),
      (err: unknown) => handlerFailed(ctx, msg, err),
    );
    return deadline > 0 ? withDeadline(ctx, msg, answer, info, deadline) : answer;
  }
  return handlerResult(ctx, msg, out);
}

/**
 * The handler's context. Its signal is made when the handler reads it: most handlers never
 * do, and an AbortController (plus `AbortSignal.any` with a handler timeout) per request is
 * measurable CPU and garbage (issue 11).
 */
class HandlerInfo implements HandlerContext {
  readonly principal: string;
  readonly connectionId: number;
  readonly #session: SessionState;
  /** With a handler timeout: the signal also aborts when it passes. */
  readonly #timed: boolean;
  #signal: AbortSignal | undefined;
  #guard: AbortController | undefined;
  #timedOut: Error | undefined;

  constructor(session: SessionState, timed: boolean) {
    this.principal = session.principal;
    this.connectionId = session.id;
    this.#session = session;
    this.#timed = timed;
  }

  get signal(): AbortSignal {
    if (this.#signal !== undefined) return this.#signal;
    if (!this.#timed) return (this.#signal = this.#session.signal);
    const guard = new AbortController();
    if (this.#timedOut !== undefined) guard.abort(this.#timedOut);
    this.#guard = guard;
    return (this.#signal = AbortSignal.any([this.#session.signal, guard.signal]));
  }

  /** The handler timeout passed: the signal aborts (now, or as made later). */
  timeOut(reason: Error): void {
    if (this.#guard !== undefined) this.#guard.abort(reason);
    else this.#timedOut ??= reason;
  }
}

/**
 * The answer of an async handler, or HANDLER_ERROR once `ms` passed: the handler's signal is
 * aborted then, so a cooperative handler stops, and its late result is dropped. Without it,
 * handlers that never settle would hold `maxInFlightPerConnection` slots for good.
 */
function withDeadline(ctx: RequestContext, msg: Message, answer: Promise<Message>, info: HandlerInfo, ms: number): Promise<Message> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ctx.server.stats.handlerTimeouts++;
      const text = `Failed to handle request of type REQUEST!\nThe handler did not answer within the handler timeout of ${ms} ms`;
      info.timeOut(new TimeoutError(ErrorCode.TIMEOUT, `The handler timeout of ${ms} ms passed`));
      if (!msg.oneway) ctx.session.recordError(text, msg);
      resolve(textResponse(msg, 'HANDLER_ERROR', text));
    }, ms);
    void answer.then((res) => {
      // Never rejects (handlerFailed turns failures into answers); after the deadline it is dropped.
      clearTimeout(timer);
      resolve(res);
    });
  });
}

function handlerResult(ctx: RequestContext, req: Message, res: unknown): Message {
  if (res === null || res === undefined) return textResponse(req, 'OK', '');
  if (!isMessage(res)) return handlerFailed(ctx, req, new TypeError('The handler returned something that is not a message'));
  return replyFrom(req, res);
}

function handlerFailed(ctx: RequestContext, req: Message, err: unknown): Message {
  const text = `Failed to handle request of type REQUEST!\n${describeError(err)}`;
  // One-way failures are recorded by the session from the response it drops.
  if (!req.oneway) ctx.session.recordError(text, req, err);
  return textResponse(req, 'HANDLER_ERROR', text);
}

function serverTopic(ctx: RequestContext, msg: Message): Message {
  switch (msg.topic) {
    case 'ipc-server/status':
      return jsonResponse(msg, 'OK', serverStatus(ctx.server, ctx.session));
    case EXTENDED_STATUS_TOPIC: // venice-ipc extension (status.ts); a Java peer never asks for it
      return jsonResponse(msg, 'OK', extendedStatus(ctx.server, ctx.session));
    case 'ipc-server/thread-pool-statistics':
      return jsonResponse(msg, 'OK', threadPoolStatistics(ctx.server), true);
    case 'ipc-server/error': {
      const e = ctx.session.takeError();
      if (e === undefined) return jsonResponse(msg, 'QUEUE_EMPTY', { status: 'no_errors_available' });
      return jsonResponse(msg, 'OK', {
        status: 'error',
        description: e.error.description,
        exception: e.error.exception,
        'errors-left': e.left,
      });
    }
    default:
      return textResponse(msg, 'BAD_REQUEST', UNKNOWN_SERVER_TOPIC);
  }
}
