import { IdempotencyStats } from './idempotency.js';

/** Server-wide counters (SEMANTICS §12.1), plus connection-level error accounting. */
export class ServerStats {
  /** Requests received, all types except CLIENT_CONFIG and the DH request. */
  messageCount = 0;
  /** Pub/sub pushes handed to subscriber connections. */
  publishCount = 0;
  /** Errors recorded for requests (one-way failures, handler errors, expired messages dropped by poll). */
  responseDiscardedCount = 0;
  /** Pub/sub copies dropped because a subscriber could not keep up. */
  publishDiscardedCount = 0;
  /** Connections accepted since start. */
  connectionsAccepted = 0;
  /** Connections that ended since start. */
  connectionsClosed = 0;
  /** Largest number of connections open at once. */
  largestConnectionCount = 0;
  /** Connections refused because of maxConnections. */
  connectionsRefused = 0;
  /** De-duplication by request id (`idempotencyWindow`): repeats suppressed, answers remembered. */
  readonly idempotency = new IdempotencyStats();
  /** REQUEST handlers that passed `handlerTimeout` (answered HANDLER_ERROR, signal aborted). */
  handlerTimeouts = 0;
  /** Connections closed because of an error, by error code. */
  readonly connectionErrors = new Map<string, number>();

  /** Counts a connection closed by an error with this code. */
  countConnectionError(code: string): void {
    this.connectionErrors.set(code, (this.connectionErrors.get(code) ?? 0) + 1);
  }

  /** Resets the Venice counters (not the connection accounting). */
  clear(): void {
    this.messageCount = 0;
    this.publishCount = 0;
    this.responseDiscardedCount = 0;
    this.publishDiscardedCount = 0;
  }
}
