import { ArgumentError, ErrorCode } from '../errors.js';
import { resolveEndpoint, type Endpoint, type EndpointOptions } from '../transport/endpoint.js';
import type { ReconnectValue } from './reconnect.js';
import type { ClientRetryValue } from './retry.js';
import { resolveClientTls, type ClientTlsOptions } from './tls.js';

/** Client options. */
export interface ClientOptions extends EndpointOptions {
  /** Encrypt the connection even if the server does not require it. Defaults to false. */
  readonly encrypt?: boolean;
  /** User name for servers that require a login (give both or neither). */
  readonly userName?: string;
  /** Password for servers that require a login. */
  readonly password?: string;
  /** Response timeout of a request in ms (Java's fixed value). Defaults to 10000. */
  readonly timeout?: number;
  /** Time allowed for each handshake step in ms. Defaults to 5000. */
  readonly handshakeTimeout?: number;
  /** Send heartbeats when the server asks for them. Defaults to true. */
  readonly heartbeat?: boolean;
  /**
   * Retries of calls that are safe to repeat, with capped exponential backoff, full jitter and
   * a retry budget (docs/resilience.md): an object, `true` for the defaults, or a number of
   * retries. Writes are repeated only with `writes: true`. Defaults to off.
   */
  readonly retry?: ClientRetryValue;
  /**
   * Reconnect after a lost connection: redo the handshake, re-subscribe, re-send the pending
   * calls that are safe to repeat (docs/resilience.md). An object, `true` for the defaults, or
   * a number of attempts. Defaults to off.
   */
  readonly reconnect?: ReconnectValue;
  /**
   * Send a ping (HEARTBEAT) when the connection was quiet for this many ms, and drop it as dead
   * when no answer comes within the same time, even if the server advertises no heartbeat.
   * 0 = off. Defaults to 0.
   */
  readonly pingInterval?: number;
  /** How long `close()` waits for pending calls before rejecting them with CLIENT_CLOSED, ms. Defaults to the smaller of 5000 and `timeout`. */
  readonly closeTimeout?: number;
  /** Connect with TLS (to the server's TLS listener), verifying its certificate. Defaults to none (plain TCP). */
  readonly tls?: ClientTlsOptions;
}

/** Default response timeout, ms (the Java client's fixed 10 s). */
export const DEFAULT_REQUEST_TIMEOUT = 10_000;
/** Default time for each handshake step, ms. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 5_000;
/** Default {@link ClientOptions.closeTimeout}, ms. */
export const DEFAULT_CLIENT_CLOSE_TIMEOUT = 5_000;
/** Margin added to a queue wait to form the response timeout of offer/poll, ms. */
export const QUEUE_TIMEOUT_MARGIN = 5_000;

/** Validated client settings. */
export interface ClientSettings {
  readonly endpoint: Endpoint;
  readonly encrypt: boolean;
  readonly userName: string | undefined;
  readonly password: string | undefined;
  readonly timeout: number;
  readonly handshakeTimeout: number;
  readonly heartbeat: boolean;
  /** 0 = off. */
  readonly pingInterval: number;
  readonly closeTimeout: number;
  readonly tls: ClientTlsOptions | undefined;
}

function bad(msg: string): never {
  throw new ArgumentError(ErrorCode.INVALID_OPTION, msg);
}

function millis(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) bad(`${name} must be a positive number of milliseconds`);
  return v;
}

/** Validates client options once; the caller's object is not written to. */
export function resolveClientSettings(o: Readonly<ClientOptions>): ClientSettings {
  if (o === null || typeof o !== 'object') bad('connect expects an options object');
  if (o.encrypt !== undefined && typeof o.encrypt !== 'boolean') bad('encrypt must be a boolean');
  if (o.heartbeat !== undefined && typeof o.heartbeat !== 'boolean') bad('heartbeat must be a boolean');
  if ((o.userName === undefined) !== (o.password === undefined)) {
    bad('Authentication requires both a user name and a password!');
  }
  if (o.userName !== undefined && typeof o.userName !== 'string') bad('userName must be a string');
  if (o.password !== undefined && typeof o.password !== 'string') bad('password must be a string');
  const timeout = millis(o.timeout, 'timeout', DEFAULT_REQUEST_TIMEOUT);
  return {
    endpoint: resolveEndpoint(o, 'client'),
    encrypt: o.encrypt ?? false,
    userName: o.userName,
    password: o.password,
    timeout,
    handshakeTimeout: millis(o.handshakeTimeout, 'handshakeTimeout', DEFAULT_HANDSHAKE_TIMEOUT),
    heartbeat: o.heartbeat ?? true,
    pingInterval: o.pingInterval === 0 ? 0 : millis(o.pingInterval, 'pingInterval', 0),
    closeTimeout: o.closeTimeout === 0 ? 0 : millis(o.closeTimeout, 'closeTimeout', Math.min(DEFAULT_CLIENT_CLOSE_TIMEOUT, timeout)),
    tls: resolveClientTls(o.tls),
  };
}
