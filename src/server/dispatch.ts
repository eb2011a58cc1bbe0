import { ErrorCode } from '../errors.js';
import { headerOutOfRange, type Message } from '../message/message.js';
import type { MessageTypeName } from '../protocol/codes.js';
import type { DispatchResult, RequestContext, RequestHandler, ServerCore } from './core.js';
import { handleClientConfig } from './handshake.js';
import { idempotencyOf } from './idempotency.js';
import { handleRequest } from './request.js';
import { textResponse } from './responses.js';

/** Request types handled one at a time: later requests of the connection wait for them. */
export const EXCLUSIVE_TYPES: ReadonlySet<MessageTypeName> = new Set([
  'CLIENT_CONFIG',
  'DIFFIE_HELLMAN_KEY_REQUEST',
  'AUTHENTICATION',
]);

const emptyOk: RequestHandler = (_ctx, msg) => textResponse(msg, 'OK', '');

const CORE_HANDLERS: Partial<Record<MessageTypeName, RequestHandler>> = {
  REQUEST: handleRequest,
  CLIENT_CONFIG: handleClientConfig,
  TEST: emptyOk,
  HEARTBEAT: (ctx, msg) => {
    ctx.session.lastHeartbeat = Date.now();
    return textResponse(msg, 'OK', '');
  },
  RESPONSE: (_ctx, msg) => textResponse(msg, 'BAD_REQUEST', `Invalid request type: ${msg.type}`),
  NULL: (_ctx, msg) => textResponse(msg, 'BAD_REQUEST', `Invalid request type: ${msg.type}`),
};

function handlerFor(server: ServerCore, type: MessageTypeName): RequestHandler | undefined {
  for (const f of server.features.values()) {
    const h = f.handlers?.[type];
    if (h !== undefined) return h;
  }
  return CORE_HANDLERS[type];
}

/**
 * Processes one request (SEMANTICS §3.2): statistics, size check, feature gates
 * (encryption, authentication), then the handler for its type.
 */
export function dispatch(ctx: RequestContext, msg: Message): DispatchResult {
  const { server, session } = ctx;
  if (msg.type !== 'CLIENT_CONFIG' && msg.type !== 'DIFFIE_HELLMAN_KEY_REQUEST') server.stats.messageCount++;
  const outOfRange = headerOutOfRange(msg);
  if (outOfRange !== undefined) {
    // Refused before any handler: nothing may store or wait on a value this code cannot hold.
    const text = `Request ${msg.type} rejected (${ErrorCode.HEADER_OUT_OF_RANGE}): ${outOfRange}`;
    if (!msg.oneway) return textResponse(msg, 'BAD_REQUEST', text);
    session.recordError(`${text}. Cannot send error response back for oneway request!`, msg);
    return null;
  }
  const max = server.settings.maxMessageSize;
  if (msg.data.length > max) {
    if (msg.oneway) {
      session.recordError('Request too large! Cannot send error response back for oneway request!', msg);
      return null;
    }
    return textResponse(msg, 'BAD_REQUEST', `The message (${msg.data.length} bytes) is too large! The limit is at ${max} bytes.`);
  }
  for (const f of server.features.values()) {
    if (f.gate === undefined) continue;
    const r = f.gate(ctx, msg);
    if (r !== undefined) return r;
  }
  const handler = handlerFor(server, msg.type);
  if (handler === undefined) {
    return textResponse(msg, 'BAD_REQUEST', `Request type ${msg.type} is not supported by this server`);
  }
  // De-duplication sits after the gates (the principal is known) and before every handler.
  const idem = idempotencyOf(server);
  return idem === undefined ? handler(ctx, msg) : idem.run(ctx, msg, () => handler(ctx, msg));
}
