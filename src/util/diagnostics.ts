/**
 * Named `node:diagnostics_channel` channels of venice-ipc (docs/operations.md, "Logs and
 * tracing"). Publishers check `channel.hasSubscribers` first, so a channel nobody subscribed to
 * costs one property read. Subscribe with `diagnostics_channel.subscribe(name, fn)` or through
 * the exported channel objects; messages are plain objects of the types below.
 */
import { channel } from 'node:diagnostics_channel';

/** A connection accepted by a server. */
export interface ConnectionOpenEvent {
  /** URI of the server that accepted it. */
  readonly server: string;
  readonly connectionId: number;
  /** `host:port` of the peer, or `unix-socket`. */
  readonly remote: string;
}

/** A connection of a server that ended. */
export interface ConnectionCloseEvent extends ConnectionOpenEvent {
  /** User name after login, else `anon`. */
  readonly principal: string;
  /** The error that closed it; undefined for an orderly close. */
  readonly error: Error | undefined;
}

/** A connection a server closed at once without serving it. */
export interface ConnectionRefusedEvent {
  readonly server: string;
  readonly remote: string;
  /** `max-connections` (the limit was reached) or `closing` (the server is shutting down). */
  readonly reason: ConnectionRefusalReason;
}

/** Why a server refused a connection. */
export type ConnectionRefusalReason = 'max-connections' | 'closing' | 'not-allowed' | 'per-address-limit';

/** Every {@link ConnectionRefusalReason}, for metrics. */
export const CONNECTION_REFUSAL_REASONS: readonly ConnectionRefusalReason[] = ['max-connections', 'closing', 'not-allowed', 'per-address-limit'];

/** A request a server started to process. */
export interface RequestStartEvent {
  readonly server: string;
  readonly connectionId: number;
  /** Message type name, e.g. `OFFER`. */
  readonly type: string;
  /** Message id (UUID). */
  readonly id: string;
  readonly topic: string;
}

/** A request a server finished (its response was handed to the connection, or dropped for one-way requests). */
export interface RequestEndEvent extends RequestStartEvent {
  /** Status of the response, or `NULL` when none was sent (one-way). */
  readonly status: string;
  /** Time from dispatch to response, ms. */
  readonly durationMs: number;
}

/** A failed login. */
export interface AuthFailureEvent {
  readonly server: string;
  readonly connectionId: number;
  readonly remote: string;
  /** The user name tried (never the password). */
  readonly user: string;
  /** Failed logins on this connection so far. */
  readonly failures: number;
}

/** One group commit of a durable queue's log: a write and an `fdatasync`. */
export interface WalSyncEvent {
  /** The write-ahead log directory. */
  readonly dir: string;
  readonly queue: string;
  /** Records made durable by this sync. */
  readonly records: number;
  readonly bytes: number;
  /** Time of write + fdatasync, ms. */
  readonly durationMs: number;
}

/** A `diagnostics_channel` Channel whose messages are of type `T`. */
export interface TypedChannel<T> {
  readonly name: string | symbol;
  /** True while someone listens: publishers check it before building a message. */
  readonly hasSubscribers: boolean;
  publish(message: T): void;
  subscribe(onMessage: (message: T, name: string | symbol) => void): void;
  unsubscribe(onMessage: (message: T, name: string | symbol) => void): boolean;
}

function named<T>(name: string): TypedChannel<T> {
  return channel(name) as unknown as TypedChannel<T>;
}

/** `venice-ipc:server:connection-open` — {@link ConnectionOpenEvent}. */
export const connectionOpenChannel: TypedChannel<ConnectionOpenEvent> = named<ConnectionOpenEvent>('venice-ipc:server:connection-open');
/** `venice-ipc:server:connection-close` — {@link ConnectionCloseEvent}. */
export const connectionCloseChannel: TypedChannel<ConnectionCloseEvent> = named<ConnectionCloseEvent>('venice-ipc:server:connection-close');
/** `venice-ipc:server:connection-refused` — {@link ConnectionRefusedEvent}. */
export const connectionRefusedChannel: TypedChannel<ConnectionRefusedEvent> = named<ConnectionRefusedEvent>('venice-ipc:server:connection-refused');
/** `venice-ipc:server:request-start` — {@link RequestStartEvent}. */
export const requestStartChannel: TypedChannel<RequestStartEvent> = named<RequestStartEvent>('venice-ipc:server:request-start');
/** `venice-ipc:server:request-end` — {@link RequestEndEvent}. */
export const requestEndChannel: TypedChannel<RequestEndEvent> = named<RequestEndEvent>('venice-ipc:server:request-end');
/** `venice-ipc:server:auth-failure` — {@link AuthFailureEvent}. */
export const authFailureChannel: TypedChannel<AuthFailureEvent> = named<AuthFailureEvent>('venice-ipc:server:auth-failure');
/** `venice-ipc:wal:sync` — {@link WalSyncEvent}. */
export const walSyncChannel: TypedChannel<WalSyncEvent> = named<WalSyncEvent>('venice-ipc:wal:sync');
