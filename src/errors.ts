/**
 * Error classes and codes. Every error this library raises is an {@link IpcError} with a
 * `code` from {@link ErrorCode}; `switch (err.code)` narrows. Codes are API: each one has a
 * sentence in docs/errors.md, and a test fails when one is missing there.
 */

/** Every error code, grouped by family. */
export const ErrorCode = {
  // --- arguments and options (API misuse) ---
  INVALID_ARGUMENT: 'VIPC_ERR_INVALID_ARGUMENT',
  INVALID_OPTION: 'VIPC_ERR_INVALID_OPTION',
  INVALID_SIZE: 'VIPC_ERR_INVALID_SIZE',
  INVALID_URI: 'VIPC_ERR_INVALID_URI',
  // --- message model ---
  INVALID_TOPIC: 'VIPC_ERR_INVALID_TOPIC',
  INVALID_MIMETYPE: 'VIPC_ERR_INVALID_MIMETYPE',
  INVALID_CHARSET: 'VIPC_ERR_INVALID_CHARSET',
  INVALID_QUEUE_NAME: 'VIPC_ERR_INVALID_QUEUE_NAME',
  INVALID_FIELD: 'VIPC_ERR_INVALID_FIELD',
  NOT_TEXT: 'VIPC_ERR_NOT_TEXT',
  NOT_JSON: 'VIPC_ERR_NOT_JSON',
  MESSAGE_TOO_LARGE: 'VIPC_ERR_MESSAGE_TOO_LARGE',
  // --- wire protocol (peer sent something malformed) ---
  BAD_MAGIC: 'VIPC_ERR_BAD_MAGIC',
  BAD_VERSION: 'VIPC_ERR_BAD_VERSION',
  BAD_FLAG: 'VIPC_ERR_BAD_FLAG',
  HEADER_OUT_OF_RANGE: 'VIPC_ERR_HEADER_OUT_OF_RANGE',
  BAD_FRAME_LENGTH: 'VIPC_ERR_BAD_FRAME_LENGTH',
  FRAME_TOO_LARGE: 'VIPC_ERR_FRAME_TOO_LARGE',
  BAD_METADATA: 'VIPC_ERR_BAD_METADATA',
  UNKNOWN_TYPE: 'VIPC_ERR_UNKNOWN_TYPE',
  UNKNOWN_STATUS: 'VIPC_ERR_UNKNOWN_STATUS',
  TRUNCATED: 'VIPC_ERR_TRUNCATED',
  UNEXPECTED_MESSAGE: 'VIPC_ERR_UNEXPECTED_MESSAGE',
  // --- connections ---
  CONNECT_FAILED: 'VIPC_ERR_CONNECT_FAILED',
  CONNECTION_CLOSED: 'VIPC_ERR_CONNECTION_CLOSED',
  CLIENT_CLOSED: 'VIPC_ERR_CLIENT_CLOSED',
  SERVER_CLOSED: 'VIPC_ERR_SERVER_CLOSED',
  HANDSHAKE_FAILED: 'VIPC_ERR_HANDSHAKE_FAILED',
  TOO_MANY_CONNECTIONS: 'VIPC_ERR_TOO_MANY_CONNECTIONS',
  LISTEN_FAILED: 'VIPC_ERR_LISTEN_FAILED',
  SOCKET_ERROR: 'VIPC_ERR_SOCKET_ERROR',
  BACKPRESSURE: 'VIPC_ERR_BACKPRESSURE',
  // --- connection hygiene (docs/security.md) ---
  HANDSHAKE_TIMEOUT: 'VIPC_ERR_HANDSHAKE_TIMEOUT',
  IDLE_TIMEOUT: 'VIPC_ERR_IDLE_TIMEOUT',
  FRAME_TIMEOUT: 'VIPC_ERR_FRAME_TIMEOUT',
  INPUT_BUDGET: 'VIPC_ERR_INPUT_BUDGET',
  EVICTED: 'VIPC_ERR_EVICTED',
  ADDRESS_NOT_ALLOWED: 'VIPC_ERR_ADDRESS_NOT_ALLOWED',
  // --- waiting ---
  TIMEOUT: 'VIPC_ERR_TIMEOUT',
  ABORTED: 'VIPC_ERR_ABORTED',
  // --- compression ---
  DECOMPRESS_FAILED: 'VIPC_ERR_DECOMPRESS_FAILED',
  DECOMPRESSED_TOO_LARGE: 'VIPC_ERR_DECOMPRESSED_TOO_LARGE',
  // --- encryption ---
  DECRYPT_FAILED: 'VIPC_ERR_DECRYPT_FAILED',
  KEY_EXCHANGE_FAILED: 'VIPC_ERR_KEY_EXCHANGE_FAILED',
  ENCRYPTION_REQUIRED: 'VIPC_ERR_ENCRYPTION_REQUIRED',
  // --- authentication ---
  AUTH_FAILED: 'VIPC_ERR_AUTH_FAILED',
  AUTH_REQUIRED: 'VIPC_ERR_AUTH_REQUIRED',
  AUTH_NOT_ENABLED: 'VIPC_ERR_AUTH_NOT_ENABLED',
  INVALID_CREDENTIALS: 'VIPC_ERR_INVALID_CREDENTIALS',
  CREDENTIALS_FILE: 'VIPC_ERR_CREDENTIALS_FILE',
  ACL_INVALID: 'VIPC_ERR_ACL_INVALID',
  // --- server responses surfaced as errors by convenience calls ---
  REQUEST_FAILED: 'VIPC_ERR_REQUEST_FAILED',
  // --- queues ---
  QUEUE_NOT_FOUND: 'VIPC_ERR_QUEUE_NOT_FOUND',
  QUEUE_LIMIT: 'VIPC_ERR_QUEUE_LIMIT',
  QUEUE_CLOSED: 'VIPC_ERR_QUEUE_CLOSED',
  QUEUE_NOT_PERMITTED: 'VIPC_ERR_QUEUE_NOT_PERMITTED',
  LEASE_NOT_HELD: 'VIPC_ERR_LEASE_NOT_HELD',
  EXTENSION_UNSUPPORTED: 'VIPC_ERR_EXTENSION_UNSUPPORTED',
  // --- write-ahead log ---
  WAL_DISABLED: 'VIPC_ERR_WAL_DISABLED',
  WAL_IO: 'VIPC_ERR_WAL_IO',
  WAL_CORRUPT: 'VIPC_ERR_WAL_CORRUPT',
  WAL_CLOSED: 'VIPC_ERR_WAL_CLOSED',
  // --- cluster (NATS JetStream engine) ---
  CLUSTER_CONNECT_FAILED: 'VIPC_ERR_CLUSTER_CONNECT_FAILED',
  CLUSTER_UNAVAILABLE: 'VIPC_ERR_CLUSTER_UNAVAILABLE',
  CLUSTER_ENGINE: 'VIPC_ERR_CLUSTER_ENGINE',
  // --- publish / subscribe ---
  SUBSCRIPTION_CLOSED: 'VIPC_ERR_SUBSCRIPTION_CLOSED',
  // --- internal invariant broken (a bug) ---
  INTERNAL: 'VIPC_ERR_INTERNAL',
} as const;

/** A string-literal union of every code. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options accepted by every error constructor. */
export interface IpcErrorOptions {
  /** The lower-level error this one wraps. */
  readonly cause?: unknown;
}

/** Base class of every error raised by venice-ipc. */
export class IpcError extends Error {
  /** Machine-readable code, stable across releases. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: IpcErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** Invalid arguments, options, sizes or URIs given to an API call. */
export class ArgumentError extends IpcError {}
/** A message field that violates the Venice message constraints. */
export class MessageError extends IpcError {}
/** Malformed bytes from a peer; the connection that carried them is closed. */
export class ProtocolError extends IpcError {}
/** Connection establishment, loss or closing. */
export class ConnectionError extends IpcError {}
/** A deadline passed (code TIMEOUT; before 0.2 also ABORTED, now raised as {@link AbortError}). */
export class TimeoutError extends IpcError {}
/**
 * The caller's AbortSignal fired (code ABORTED). Named `AbortError`, as Node, fetch and undici
 * name theirs, so `err.name === 'AbortError'` works; an `AbortSignal.timeout()` gives a TimeoutError.
 */
export class AbortError extends IpcError {}
/** Compression, decompression, encryption or key exchange failed. */
export class CodecError extends IpcError {}
/** Authentication and credential handling. */
export class AuthError extends IpcError {}
/** Queue management and queue operations. */
export class QueueError extends IpcError {}
/** The write-ahead log could not read, write or sync. */
export class WalError extends IpcError {}
/** The cluster engine (NATS JetStream) could not be reached or refused an operation. */
export class ClusterError extends IpcError {}
/** A request the server answered with a non-OK status, raised by convenience calls. */
export class RequestError extends IpcError {
  /** The status the server answered with, e.g. `NO_PERMISSION`. */
  readonly status: string;
  constructor(status: string, message: string, options?: IpcErrorOptions) {
    super(ErrorCode.REQUEST_FAILED, message, options);
    this.status = status;
  }
}

/** True when `err` is an {@link IpcError} (optionally with the given code). */
export function isIpcError(err: unknown, code?: ErrorCode): err is IpcError {
  return err instanceof IpcError && (code === undefined || err.code === code);
}

/** Wraps anything thrown into an Error, keeping IpcErrors as they are. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
