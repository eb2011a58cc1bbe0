import type { Message } from '../message/message.js';
import type { MessageTypeName } from '../protocol/codes.js';
import type { Connection } from '../transport/connection.js';
import type { ServerSettings } from './options.js';
import type { ServerStats } from './stats.js';

/** An error recorded for a connection (SEMANTICS §12.3), readable via `ipc-server/error`. */
export interface RecordedError {
  readonly description: string;
  readonly request: Message | undefined;
  readonly exception: string | null;
}

/** The per-connection state the request handlers see. */
export interface SessionState {
  /** Server-unique connection number. */
  readonly id: number;
  readonly connection: Connection;
  /** `host:port` or the socket path of the peer. */
  readonly remote: string;
  /** The peer's IP address, or `unix` (keys of the login throttle and the per-address cap). */
  readonly address: string;
  /** Subject CN of the peer's verified TLS client certificate, if any (it is then the principal). */
  readonly certificatePrincipal: string | undefined;
  /** The connection runs over TLS: Venice's own encryption is not required on it. */
  readonly transportSecure: boolean;
  /** Aborts when the connection closes or the server shuts down. */
  readonly signal: AbortSignal;
  /** User name after login, else `anon`. */
  principal: string;
  authenticated: boolean;
  /** Failed logins on this connection. */
  authFailures: number;
  /** A key exchange was attempted (successful or not); a second one is refused. */
  keyExchangeAttempted: boolean;
  /** Acknowledge mode named in CLIENT_CONFIG (stored, unused, as in Java). */
  ackMode: string | undefined;
  /** ms timestamp of the last HEARTBEAT. */
  lastHeartbeat: number;
  /** Topics this connection subscribed to. */
  readonly subscriptions: Set<string>;
  /** Names of the temporary queues this connection owns. */
  readonly tempQueues: Set<string>;
  /** Records an error in the connection's ring buffer (and counts it as a discarded response). */
  recordError(description: string, request: Message | undefined, exception?: unknown): void;
  /** Pops the oldest recorded error. */
  takeError(): { error: RecordedError; left: number } | undefined;
  /** Sends a message on this connection outside the request/response flow (pushes). */
  push(msg: Message): void;
  /** Closes this connection with a coded error. */
  destroy(err: Error): void;
}

/** Handles one request type. */
export type RequestHandler = (ctx: RequestContext, msg: Message) => DispatchResult;

/** Optional services plugged into the server (queues, pub/sub, security, WAL). */
export interface ServerFeature {
  /** Handlers for the request types this feature serves. */
  readonly handlers?: Partial<Record<MessageTypeName, RequestHandler>>;
  /**
   * Runs before every request (after the size check): returning a result (a response, or
   * null to drop the request) stops it there; undefined lets it through.
   */
  gate?(ctx: RequestContext, msg: Message): DispatchResult | undefined;
  /** True when this feature makes clients (this one, when given) log in (advertised in CLIENT_CONFIG). */
  authenticationRequired?(session?: SessionState): boolean;
  /** Called when a connection closes, for cleanup (temporary queues, subscriptions). */
  onSessionClosed?(session: SessionState): void;
  /** Extra or overriding members of this connection's `ipc-server/status`. */
  statusFields?(session: SessionState): Record<string, unknown>;
  /** Called once when the server closes, after connections are closed. */
  close?(): Promise<void>;
}

/** What request handlers may use of the server. */
export interface ServerCore {
  readonly settings: ServerSettings;
  readonly stats: ServerStats;
  /** Aborts when the server starts closing. */
  readonly shutdownSignal: AbortSignal;
  /** True while the server accepts connections. */
  readonly running: boolean;
  /** Open connections. */
  readonly sessions: ReadonlySet<SessionState>;
  /** Plugged-in features, by name. */
  readonly features: Map<string, ServerFeature>;
}

/** Context of one request. */
export interface RequestContext {
  readonly server: ServerCore;
  readonly session: SessionState;
  /**
   * The request's frame was encrypted. Checked per message, not from the connection's current
   * key: a request decoded before the key exchange finished may be processed after it.
   */
  readonly encrypted: boolean;
}

/** What a request handler produces: a response, nothing (one-way), sync or async. */
export type DispatchResult = Message | null | Promise<Message | null>;
