import { ErrorCode } from '../errors.js';
import { headerOutOfRange, type Message } from '../message/message.js';
import type { MessageTypeName } from '../protocol/codes.js';
import type { DispatchResult, RequestContext, RequestHandler, ServerCore, ServerFeature } from './core.js';
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

/**
 * What dispatch needs of the features, looked up once instead of per request: the features
 * with a gate, in order, and the handler of each request type met so far. Features are
 * installed when the server starts (tests add some later), so the table is rebuilt whenever
 * their number changes.
 */
interface Routes {
  readonly featureCount: number;
  readonly gated: readonly ServerFeature[];
  readonly handlers: Map<MessageTypeName, RequestHandler | undefined>;
}

const routeTables = new WeakMap<ServerCore, Routes>();

function routesOf(server: ServerCore): Routes {
  const r = routeTables.get(server);
  if (r !== undefined && r.featureCount === server.features.size) return r;
  const gated: ServerFeature[] = [];
  for (const f of server.features.values()) if (f.gate !== undefined) gated.push(f);
  const fresh: Routes = { featureCount: server.features.size, gated, handlers: new Map() };
  routeTables.set(server, fresh);
  return fresh;
}

function handlerFor(server: ServerCore, routes: Routes, type: MessageTypeName): RequestHandler | undefined {
  const known = routes.handlers.get(type);
  if (known !== undefined || routes.handlers.has(type)) return known;
  let h: RequestHandler | undefined;
  for (const f of server.features.values()) {
    h = f.handlers?.[type];
    if (h !== undefined) break;
  }
  h ??= CORE_HANDLERS[type];
  routes.handlers.set(type, h);
  return h;
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
  const routes = routesOf(server);
  const gated = routes.gated;
  for (let i = 0; i < gated.length; i++) {
    const r = (gated[i] as ServerFeature).gate?.(ctx, msg);
    if (r !== undefined) return r;
  }
  const handler = handlerFor(server, routes, msg.type);
  if (handler === undefined) {
    return textResponse(msg, 'BAD_REQUEST', `Request type ${msg.type} is not supported by this server`);
  }
  // De-duplication sits after the gates (the principal is known) and before every handler.
  const idem = idempotencyOf(server);
  return idem === undefined ? handler(ctx, msg) : idem.run(ctx, msg, () => handler(ctx, msg));
}
