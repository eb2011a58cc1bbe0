/**
 * The server's security feature: Diffie-Hellman key exchange (WIRE §8.3), login (WIRE §8.4),
 * and the gate that enforces both. Unlike the Java server (WIRE §8.5), a server with
 * `encrypt` on closes any connection that sends a request other than CLIENT_CONFIG or the key
 * exchange before the exchange, failed logins are limited per connection, and logins are
 * throttled per user and per address across connections (src/auth/throttle.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LoginThrottle } from '../auth/throttle.js';
import { SessionCipher } from '../crypto/aes-gcm.js';
import { createDhKeyPairAsync, parseDhPublicKey } from '../crypto/dh.js';
import { AuthError, ErrorCode, ProtocolError } from '../errors.js';
import { messageFromFields, type Message } from '../message/message.js';
import type { MessageTypeName, ResponseStatusName } from '../protocol/codes.js';
import { splitLines } from '../protocol/metadata.js';
import type { RequestContext, ServerFeature, SessionState } from './core.js';
import { MAX_AUTH_FAILURE_DELAY_FACTOR, type ServerSettings } from './options.js';
import { RESPONSE_TIMEOUT, textResponse } from './responses.js';
import { authFailureChannel } from '../util/diagnostics.js';

/** Name under which the feature is installed in `server.features`. */
export const SECURITY_FEATURE = 'security';

/** Answer to a request from a connection that has not logged in (WIRE §8.4). */
export const AUTH_REQUIRED_TEXT = 'Authentication is required!';
/** NAK text of a second key exchange on one connection (WIRE §8.3). */
export const DH_ALREADY_EXCHANGED_TEXT = 'Error: Diffie-Hellman key already exchanged!';
/** BAD_REQUEST text of a login that is not text/plain. */
export const AUTH_NOT_TEXT = 'Request AUTHENTICATION: Expected a text payload';

const BEFORE_ENCRYPTION: ReadonlySet<MessageTypeName> = new Set(['CLIENT_CONFIG', 'DIFFIE_HELLMAN_KEY_REQUEST']);
const BEFORE_LOGIN: ReadonlySet<MessageTypeName> = new Set(['CLIENT_CONFIG', 'DIFFIE_HELLMAN_KEY_REQUEST', 'AUTHENTICATION']);

/** The DH response (WIRE §8.3): the request's id, topic `dh`, text/plain UTF-8, no requestId. */
function dhResponse(req: Message, status: ResponseStatusName, text: string): Message {
  return messageFromFields({
    id: req.id,
    type: 'RESPONSE',
    status,
    oneway: true,
    topics: ['dh'],
    mimetype: 'text/plain',
    charset: 'UTF-8',
    timeout: RESPONSE_TIMEOUT,
    data: Buffer.from(text, 'utf8'),
  });
}

/**
 * Sends the DH answer itself, always plaintext and uncompressed (WIRE §7.6), then installs the
 * session key: the answer must leave with the old (no) key, everything after it with the new.
 */
function sendDh(session: SessionState, req: Message, status: ResponseStatusName, text: string, key?: Buffer): null {
  if (!session.connection.isOpen) return null;
  session.connection.send(dhResponse(req, status, text), { plaintext: true, compress: false });
  if (key !== undefined) session.connection.codec.cipher = new SessionCipher(key);
  return null;
}

async function handleKeyExchange(ctx: RequestContext, msg: Message): Promise<null> {
  const { session } = ctx;
  if (msg.oneway) {
    // The key could never reach the client: refuse without answering (one-way requests get none).
    session.recordError('A Diffie-Hellman key exchange request must not be one-way; ignored', msg);
    return null;
  }
  if (session.keyExchangeAttempted) return sendDh(session, msg, 'DIFFIE_HELLMAN_NAK', DH_ALREADY_EXCHANGED_TEXT);
  session.keyExchangeAttempted = true; // a failed attempt counts too: no retry (as Java)
  let key: Buffer;
  let publicKey: string;
  try {
    const peerKey = msg.text;
    parseDhPublicKey(peerKey); // reject a bad key before spending a key generation on it
    const pair = await createDhKeyPairAsync(); // fresh for every connection
    key = await pair.computeSessionKeyAsync(peerKey);
    publicKey = pair.publicKeyBase64;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return sendDh(session, msg, 'DIFFIE_HELLMAN_NAK', `Failed to exchange Diffie-Hellman key! Reason: ${reason}`);
  }
  return sendDh(session, msg, 'DIFFIE_HELLMAN_ACK', publicKey, key);
}

/** Spacing of logins after the `n`-th failure of a user or address: doubling, at most 16× the base. */
export function authFailureDelay(base: number, n: number): number {
  return base * Math.min(2 ** Math.max(0, n - 1), MAX_AUTH_FAILURE_DELAY_FACTOR);
}

function credentialsOf(msg: Message): [string, string] | undefined {
  let text: string;
  try {
    text = msg.text;
  } catch {
    return undefined;
  }
  const lines = splitLines(text);
  return lines.length === 2 ? (lines as [string, string]) : undefined;
}

/** Longest a login waits for its throttle slot when the handshake has no deadline, ms. */
const MAX_LOGIN_WAIT = 60_000;

async function handleLogin(throttle: LoginThrottle, ctx: RequestContext, msg: Message): Promise<Message | null> {
  const { session } = ctx;
  const settings = ctx.server.settings;
  if (msg.mimetype !== 'text/plain') return textResponse(msg, 'BAD_REQUEST', AUTH_NOT_TEXT);
  const auth = settings.authenticator;
  const creds = credentialsOf(msg);
  if (auth === undefined || !auth.active) {
    // No (active) authenticator: everyone is accepted, as in Java.
    session.principal = creds?.[0] ?? 'anon';
    return textResponse(msg, 'OK', '');
  }
  // Wait for the throttle slot of this user and this address *before* checking: the answer
  // then comes as soon as the check is done, whether the password is right or wrong.
  const keys = [`user:${creds?.[0] ?? ''}`, `address:${session.address}`];
  const handshakeTimeout = settings.security.handshakeTimeout;
  const maxWait = handshakeTimeout > 0 ? handshakeTimeout : MAX_LOGIN_WAIT;
  const began = Date.now();
  let refused = false;
  for (let w = throttle.waitTime(keys, began); w > 0; w = throttle.waitTime(keys, Date.now())) {
    if (Date.now() - began + w > maxWait) {
      refused = true; // a failure without a check: no guess is tested
      break;
    }
    try {
      await sleep(w, undefined, { signal: session.signal });
    } catch {
      return null; // the connection went away while we waited
    }
  }
  let ok = false;
  if (!refused) {
    throttle.start(keys, Date.now());
    try {
      ok = creds !== undefined && (await auth.verify(creds[0], creds[1]));
    } finally {
      throttle.settle(keys, ok, Date.now());
    }
  }
  // The state is the result of the latest attempt (WIRE §8.4).
  session.authenticated = ok;
  if (ok) {
    session.principal = (creds as [string, string])[0];
    return textResponse(msg, 'OK', '');
  }
  session.principal = session.certificatePrincipal ?? 'anon';
  const failures = ++session.authFailures;
  ctx.server.stats.authFailures++;
  if (authFailureChannel.hasSubscribers) {
    authFailureChannel.publish({ server: ctx.server.stats.server, connectionId: session.id, remote: session.remote, user: creds?.[0] ?? '', failures });
  }
  const res = textResponse(msg, 'NO_PERMISSION', '');
  if (failures < settings.maxAuthFailures) return res;
  if (!session.connection.isOpen) return null;
  const reason = new AuthError(ErrorCode.AUTH_FAILED, `Too many failed logins (${failures}); connection closed`);
  if (msg.oneway) session.destroy(reason); // one-way requests get no answer, not even this one
  else session.connection.send(res, undefined, () => session.destroy(reason));
  return null;
}

/** Builds the security feature for a server's settings. */
export function createSecurityFeature(settings: ServerSettings): ServerFeature {
  const throttle = new LoginThrottle((f) => authFailureDelay(settings.authFailureDelay, f), settings.security.loginThrottleWindow);
  // A connection that presented a verified client certificate is logged in already.
  const authRequired = (session?: SessionState): boolean =>
    settings.authenticator?.active === true && session?.certificatePrincipal === undefined;
  return {
    handlers: {
      DIFFIE_HELLMAN_KEY_REQUEST: handleKeyExchange,
      AUTHENTICATION: (ctx, msg) => handleLogin(throttle, ctx, msg),
    },
    gate(ctx, msg) {
      const { session } = ctx;
      const keyed = session.connection.codec.cipher !== undefined;
      // A plaintext request is refused when the server requires encryption, and also when this
      // connection has a key by now (it was sent before the key exchange completed).
      if (!ctx.encrypted && ((settings.encrypt && !session.transportSecure) || keyed) && !BEFORE_ENCRYPTION.has(msg.type)) {
        session.destroy(
          new ProtocolError(
            ErrorCode.ENCRYPTION_REQUIRED,
            `Unencrypted request ${msg.type}: ${keyed ? 'this connection is encrypted' : 'this server requires encryption'}`,
          ),
        );
        return null;
      }
      if (authRequired(session) && !session.authenticated && !BEFORE_LOGIN.has(msg.type)) {
        return msg.oneway ? null : textResponse(msg, 'NO_PERMISSION', AUTH_REQUIRED_TEXT);
      }
      return undefined;
    },
    authenticationRequired: authRequired,
  };
}
