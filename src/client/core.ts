/**
 * The shared client core: the request options and the {@link ClientCore} interface the feature
 * modules (handshake, security, pub/sub, queues, leases, subscriptions) program against. It
 * imports nothing from client.ts, so the client's modules import one way (issue 11).
 */
import type { Message } from '../message/message.js';
import type { Connection } from '../transport/connection.js';
import type { EncodeOptions } from '../transport/message-codec.js';
import type { ClientSettings } from './options.js';
import type { RetryValue } from './retry.js';
import type { ClientStatusEvent } from './status.js';

/** Per-request options. */
export interface RequestOptions {
  /** Response timeout in ms. Defaults to the client's `timeout` (10 s). */
  readonly timeout?: number;
  /** Aborts waiting for the response (the request may still be processed by the server). */
  readonly signal?: AbortSignal;
  /**
   * Retries of this call, over the client's `retry` (docs/resilience.md): settings, `true`,
   * a number of retries, or `false`. Defaults to the client's.
   */
  readonly retry?: RetryValue;
}

/** What `client.configure()` changes at run time. */
export interface ConfigureOptions {
  /** New default response timeout, ms. Defaults to unchanged. */
  readonly timeout?: number;
  /** New client retry settings (`false` = off; the budget stays). Defaults to unchanged. */
  readonly retry?: RetryValue;
}

/** Options of `client.close()`. */
export interface CloseOptions {
  /** How long pending calls may still finish, ms. Defaults to the client's `closeTimeout` (5 s). */
  readonly timeout?: number;
}

/** Internal request options (handshake steps, queue waits). */
export interface InternalRequestOptions extends RequestOptions, EncodeOptions {
  /** Skip the local size check (handshake messages are exempt, WIRE §12). */
  readonly skipSizeCheck?: boolean;
  /** Send at once on the current connection, even while it is being set up (handshake steps); never retried. */
  readonly direct?: boolean;
  /**
   * The call is safe to repeat (a read). Defaults to what {@link repeatability} says of the
   * message type; a feature module's new request declares it here.
   */
  readonly idempotent?: boolean;
}

/** What feature modules (queues, pub/sub, security) use of a client. */
export interface ClientCore {
  readonly settings: ClientSettings;
  readonly connection: Connection;
  /** Sends a request and resolves with its response, correlated by message id. */
  request(msg: Message, opts?: InternalRequestOptions): Promise<Message>;
  /** Throws unless the client is open. */
  assertOpen(): void;
  /** Receives pub/sub pushes (messages with subscriptionReply = 1). */
  onPush: ((msg: Message) => void) | undefined;
  /** Called after a reconnect's handshake, to re-subscribe; resolves with the subscriptions renewed. */
  onReconnect: (() => Promise<number>) | undefined;
  /** Resolves when the client is closed for good (not on a connection loss it reconnects from). */
  readonly closed: Promise<Error | undefined>;
  /** Reports a status event to `status()` iterators. */
  emitStatus(e: ClientStatusEvent): void;
}
