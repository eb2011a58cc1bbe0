import type { Authenticator } from '../auth/authenticator.js';
import { ArgumentError, ErrorCode } from '../errors.js';
import type { Message } from '../message/message.js';
import { MAX_MESSAGE_SIZE_LIMIT, MessageCodec } from '../transport/message-codec.js';
import { resolveEndpoint, type Endpoint, type EndpointOptions } from '../transport/endpoint.js';
import { parseSize, type SizeValue } from '../util/units.js';
import { resolvePubSubSettings, type PubSubServerOptions, type PubSubSettings } from './pubsub-options.js';
import { resolveWalSettings, type WalServerOptions, type WalSettings } from './wal-options.js';
import { resolveResilienceSettings, type ResilienceServerOptions, type ResilienceSettings } from './resilience-options.js';
import { resolveQueueSettings, type QueueServerOptions, type QueueSettings } from './queue-options.js';
import { isTlsOnly, resolveSecuritySettings, type SecurityServerOptions, type SecuritySettings } from './security-options.js';
import { resolveHttpSettings, type HttpOptions, type HttpServerOptions } from './http/options.js';
import { resolveClusterSettings, type ClusterServerOptions, type ClusterSettings } from '../cluster/options.js';

/** What a handler gets besides the request. */
export interface HandlerContext {
  /** Aborts when the requesting client disconnects or the server shuts down. */
  readonly signal: AbortSignal;
  /** Authenticated user name, or `anon`. */
  readonly principal: string;
  /** Server-unique number of the connection. */
  readonly connectionId: number;
}

/**
 * A request handler: returns the response message, or nothing for an empty OK response.
 * Throwing produces a HANDLER_ERROR response. May be async.
 */
export type Handler = (
  request: Message,
  ctx: HandlerContext,
) => Message | null | undefined | void | Promise<Message | null | undefined | void>;

/** Server options (publish/subscribe and write-ahead log options are documented in {@link PubSubServerOptions} and {@link WalServerOptions}). */
export interface ServerOptions
  extends EndpointOptions,
    PubSubServerOptions,
    WalServerOptions,
    ResilienceServerOptions,
    QueueServerOptions,
    SecurityServerOptions,
    HttpServerOptions,
    ClusterServerOptions {
  /** Request handler for send/receive. Defaults to none (requests get HANDLER_ERROR). */
  readonly handler?: Handler;
  /** Maximum parallel connections; one more is closed at once. Defaults to 20. */
  readonly maxConnections?: number;
  /** Maximum message size, 2 KB … 250 MB (number or `"20MB"`); smaller values are raised to 2 KB. Defaults to 20 MB. */
  readonly maxMessageSize?: SizeValue;
  /** Maximum number of regular queues, and of temporary queues per connection (1–20). Defaults to 20. */
  readonly maxQueues?: number;
  /** Compress payloads at least this large (number or unit string); -1 = off. Defaults to -1. */
  readonly compressCutoffSize?: SizeValue;
  /** Whether clients may create/remove queues and ask for queue status. Defaults to true. */
  readonly permitClientQueueMgmt?: boolean;
  /** Require encryption (Diffie-Hellman + AES-256-GCM) on every connection. Defaults to false. */
  readonly encrypt?: boolean;
  /**
   * Checks logins (WIRE §8.4). An active authenticator makes every connection log in and
   * requires `encrypt: true`, so that passwords never travel in clear. Defaults to none
   * (AUTHENTICATION requests are answered OK, as in Java).
   */
  readonly authenticator?: Authenticator;
  /**
   * Failed logins allowed on one connection: the answer to the last one (NO_PERMISSION) is
   * sent and the connection closed (Java allows unlimited attempts). Defaults to 3.
   */
  readonly maxAuthFailures?: number;
  /**
   * Delay in ms before a failed login is answered; it doubles with each failure on the
   * connection, up to 16× (at most 60 s). 0 = no delay. Defaults to 250.
   */
  readonly authFailureDelay?: number;
  /** Seconds between client heartbeats advertised to clients; 0 = none. Defaults to 0. */
  readonly heartbeatInterval?: number;
  /** Deadline in ms for in-flight requests when the server closes (their handlers' signals abort when closing starts). Defaults to 5000. */
  readonly closeTimeout?: number;
  /** Requests of one connection processed at once before reading pauses. Defaults to 256. */
  readonly maxInFlightPerConnection?: number;
  /** Called with each error that closed a connection (the server keeps running). */
  readonly onConnectionError?: (err: Error, info: { connectionId: number; remote: string }) => void;
}

/** Default maximum message size: 20 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 20 * 1024 * 1024;
/** Smallest allowed maximum message size: 2 KiB. */
export const MIN_MAX_MESSAGE_SIZE = 2048;
/** Default connection limit. */
export const DEFAULT_MAX_CONNECTIONS = 20;
/** Default and upper limit of maxQueues. */
export const DEFAULT_MAX_QUEUES = 20;
/** Default graceful-close deadline, ms. */
export const DEFAULT_CLOSE_TIMEOUT = 5000;
/** Default in-flight requests per connection. */
export const DEFAULT_MAX_IN_FLIGHT = 256;
/** Default number of failed logins after which a connection is closed. */
export const DEFAULT_MAX_AUTH_FAILURES = 3;
/** Default delay before answering a failed login, ms (doubling per failure, see {@link MAX_AUTH_FAILURE_DELAY_FACTOR}). */
export const DEFAULT_AUTH_FAILURE_DELAY = 250;
/** The failed-login delay grows at most to this multiple of `authFailureDelay`. */
export const MAX_AUTH_FAILURE_DELAY_FACTOR = 16;
/** Java's text when an active authenticator is configured without encryption. */
export const AUTH_WITHOUT_ENCRYPTION_TEXT =
  'Please enable encryption with an active authenticator to securely transfer the credentials freom a client to the server!';
/** Size of the per-connection error ring (SEMANTICS §12.3). */
export const ERROR_QUEUE_CAPACITY = 50;

/** Validated server settings. */
export interface ServerSettings {
  readonly endpoint: Endpoint;
  readonly handler: Handler | undefined;
  readonly maxConnections: number;
  readonly maxMessageSize: number;
  readonly maxQueues: number;
  readonly compressCutoffSize: number;
  readonly permitClientQueueMgmt: boolean;
  readonly encrypt: boolean;
  readonly authenticator: Authenticator | undefined;
  readonly maxAuthFailures: number;
  readonly authFailureDelay: number;
  readonly heartbeatInterval: number;
  readonly closeTimeout: number;
  readonly maxInFlightPerConnection: number;
  readonly onConnectionError: ServerOptions['onConnectionError'];
  /** Publish/subscribe settings. */
  readonly pubsub: PubSubSettings;
  /** Write-ahead log settings; undefined without `walDir`. */
  readonly wal: WalSettings | undefined;
  /** De-duplication and handler deadline (docs/resilience.md). */
  readonly resilience: ResilienceSettings;
  /** Queue byte limits and expiry sweep. */
  readonly queues: QueueSettings;
  /** Connection hygiene, authorization and TLS settings (docs/security.md). */
  readonly security: SecuritySettings;
  /** HTTP endpoint (metrics, health, dashboard); undefined without `http`. */
  readonly http: HttpOptions | undefined;
  /** Cluster settings (docs/cluster.md); undefined without `cluster` (embedded mode). */
  readonly cluster: ClusterSettings | undefined;
}

function opt(msg: string): never {
  throw new ArgumentError(ErrorCode.INVALID_OPTION, msg);
}

function positiveInt(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) opt(`${name} must be a positive integer`);
  return v;
}

function bool(v: unknown, name: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') opt(`${name} must be a boolean`);
  return v;
}

/** Validates options once; the caller's object is never written to. */
export function resolveServerSettings(o: Readonly<ServerOptions>): ServerSettings {
  if (o === null || typeof o !== 'object') opt('createServer expects an options object');
  if (o.handler !== undefined && typeof o.handler !== 'function') opt('handler must be a function');
  let maxMessageSize = o.maxMessageSize === undefined ? DEFAULT_MAX_MESSAGE_SIZE : parseSize(o.maxMessageSize, 'maxMessageSize');
  if (maxMessageSize <= 0) maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
  if (maxMessageSize > MAX_MESSAGE_SIZE_LIMIT) {
    throw new ArgumentError(ErrorCode.INVALID_SIZE, `The maximum message size is limited to ${MAX_MESSAGE_SIZE_LIMIT} bytes!`);
  }
  maxMessageSize = Math.max(MIN_MAX_MESSAGE_SIZE, maxMessageSize);
  const cutoff = o.compressCutoffSize === undefined ? -1 : parseSize(o.compressCutoffSize, 'compressCutoffSize');
  const maxQueues = positiveInt(o.maxQueues, 'maxQueues', DEFAULT_MAX_QUEUES);
  if (maxQueues > DEFAULT_MAX_QUEUES) opt(`maxQueues must be between 1 and ${DEFAULT_MAX_QUEUES}`);
  const hb = o.heartbeatInterval ?? 0;
  if (typeof hb !== 'number' || !Number.isSafeInteger(hb) || hb < 0) opt('heartbeatInterval must be a non-negative integer (seconds)');
  const closeTimeout = o.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT;
  if (typeof closeTimeout !== 'number' || !(closeTimeout >= 0)) opt('closeTimeout must be a non-negative number of ms');
  if (o.onConnectionError !== undefined && typeof o.onConnectionError !== 'function') opt('onConnectionError must be a function');
  const encrypt = bool(o.encrypt, 'encrypt', false);
  const auth = o.authenticator;
  if (auth !== undefined && (auth === null || typeof auth !== 'object' || typeof auth.verify !== 'function')) {
    opt('authenticator must be an Authenticator (see createAuthenticator)');
  }
  // Over TLS alone the transport is encrypted: the login needs no Venice encryption then.
  if (auth?.active === true && !encrypt && !isTlsOnly(o)) throw new ArgumentError(ErrorCode.INVALID_OPTION, AUTH_WITHOUT_ENCRYPTION_TEXT);
  const delay = o.authFailureDelay ?? DEFAULT_AUTH_FAILURE_DELAY;
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0 || delay * MAX_AUTH_FAILURE_DELAY_FACTOR > 60_000) {
    opt(`authFailureDelay must be a number of ms from 0 to ${60_000 / MAX_AUTH_FAILURE_DELAY_FACTOR}`);
  }
  return {
    endpoint: isTlsOnly(o) ? resolveEndpoint({ uri: o.tls?.uri, port: o.tls?.port, host: o.tls?.host }, 'server') : resolveEndpoint(o, 'server'),
    handler: o.handler,
    maxConnections: positiveInt(o.maxConnections, 'maxConnections', DEFAULT_MAX_CONNECTIONS),
    maxMessageSize,
    maxQueues,
    compressCutoffSize: cutoff < 0 ? -1 : cutoff,
    permitClientQueueMgmt: bool(o.permitClientQueueMgmt, 'permitClientQueueMgmt', true),
    encrypt,
    authenticator: auth,
    maxAuthFailures: positiveInt(o.maxAuthFailures, 'maxAuthFailures', DEFAULT_MAX_AUTH_FAILURES),
    authFailureDelay: delay,
    heartbeatInterval: hb,
    closeTimeout,
    maxInFlightPerConnection: positiveInt(o.maxInFlightPerConnection, 'maxInFlightPerConnection', DEFAULT_MAX_IN_FLIGHT),
    onConnectionError: o.onConnectionError,
    pubsub: resolvePubSubSettings(o),
    wal: resolveWalSettings(o),
    resilience: resolveResilienceSettings(o),
    queues: resolveQueueSettings(o),
    security: resolveSecuritySettings(o, new MessageCodec(maxMessageSize).frameLimits().maxPayloadFrame, hb),
    http: resolveHttpSettings(o),
    cluster: resolveClusterSettings(o),
  };
}
