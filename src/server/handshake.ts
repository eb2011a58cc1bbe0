import type { Message } from '../message/message.js';
import type { DispatchResult, RequestContext } from './core.js';
import { jsonResponse, textResponse } from './responses.js';

const ACK_MODES = new Map(['NO_ACKNOWLEDGE', 'AUTO_ACKNOWLEDGE', 'CLIENT_ACKNOWLEDGE'].map((m) => [m, m]));

/** The CLIENT_CONFIG answer members (WIRE §8.2), all JSON integers/booleans. */
export function clientConfigPayload(ctx: RequestContext): Record<string, number | boolean> {
  const s = ctx.server.settings;
  let auth = false;
  for (const f of ctx.server.features.values()) auth ||= f.authenticationRequired?.(ctx.session) ?? false;
  return {
    'max-msg-size': s.maxMessageSize,
    'compress-cutoff-size': s.compressCutoffSize,
    'permit-client-queue-mgmt': s.permitClientQueueMgmt,
    encrypt: s.encrypt && !ctx.session.transportSecure, // TLS: no Venice encryption on top unless the client asks
    'heartbeat-interval': s.heartbeatInterval,
    authentication: auth,
  };
}

/** Answers CLIENT_CONFIG (WIRE §8.2). */
export function handleClientConfig(ctx: RequestContext, msg: Message): DispatchResult {
  if (msg.mimetype !== 'application/json' || msg.charset === null) {
    return textResponse(msg, 'BAD_REQUEST', 'Request CLIENT_CONFIG: Expected a JSON payload');
  }
  let ackMode: unknown;
  try {
    ackMode = (msg.json() as { ackMode?: unknown } | null)?.ackMode;
  } catch {
    ackMode = undefined;
  }
  const known = typeof ackMode === 'string' ? ACK_MODES.get(ackMode) : undefined;
  if (known === undefined) {
    return textResponse(msg, 'HANDLER_ERROR', 'Failed to handle request of type CLIENT_CONFIG!\nInvalid or missing ackMode');
  }
  ctx.session.ackMode = known; // the shared constant, not the string just parsed (kept per connection)
  return jsonResponse(msg, 'OK', clientConfigPayload(ctx));
}
