/**
 * The extended status, a venice-ipc extension of the server topics (docs/operations.md): one
 * JSON object with the Venice status plus connections, queues, topics, traffic and WAL figures.
 */

/**
 * Topic of the extended status (venice-ipc only): the Venice status plus this connection's
 * publish figures, connections, queues, topics, traffic and WAL figures. A Java server answers
 * it BAD_REQUEST; only venice-ipc clients ask for it, on explicit calls (`client.extendedStatus()`, the CLI's `status`, `queue list` and `top`).
 */
export const EXTENDED_STATUS_TOPIC = 'ipc-server/extended-status';

/** One connection in the extended status. */
export interface ConnectionInfo {
  readonly id: number;
  readonly remote: string;
  readonly principal: string;
  readonly encrypted: boolean;
  readonly subscriptions: number;
  readonly tempQueues: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /** Pushes handed to this connection / dropped because it could not keep up. */
  readonly published: number;
  readonly publishDiscarded: number;
}

/** One queue in the extended status. */
export interface QueueInfo {
  readonly name: string;
  readonly type: string;
  readonly capacity: number;
  readonly size: number;
  readonly durable: boolean;
  readonly temporary: boolean;
}

/** WAL figures of one durable queue's log. */
export interface WalLogInfo {
  readonly queue: string;
  readonly records: number;
  readonly syncs: number;
  readonly bytes: number;
  readonly fileBytes: number;
  readonly deadBytes: number;
  readonly failed: boolean;
}

/** The extended status: what `/status.json`, the dashboard, `venice-ipc status` and `top` show. */
export interface ExtendedStatus {
  /** The Venice status members (server-wide; without the per-connection ones when read over HTTP). */
  readonly venice: Record<string, unknown>;
  /** Pushes handed to / dropped for the asking connection (absent over HTTP). */
  readonly 'publish-this-client-count'?: number;
  readonly 'publish-discarded-this-client-count'?: number;
  /** ms since the epoch when this was taken. */
  readonly time: number;
  readonly uptimeSeconds: number;
  readonly connections: readonly ConnectionInfo[];
  readonly counters: {
    readonly connectionsAccepted: number;
    readonly connectionsClosed: number;
    readonly connectionsRefused: Readonly<Record<string, number>>;
    readonly connectionErrors: Readonly<Record<string, number>>;
    readonly authFailures: number;
    readonly messagesReceived: number;
    readonly messagesSent: number;
    readonly publishCount: number;
    readonly publishDiscardedCount: number;
    readonly responseDiscardedCount: number;
    /** Requests answered HANDLER_ERROR because the handler ran past `handlerTimeout`. */
    readonly handlerTimeouts: number;
    /** De-duplication by request id (`idempotencyWindow`, docs/resilience.md). */
    readonly idempotency: { readonly duplicates: number; readonly joined: number; readonly entries: number; readonly bytes: number; readonly evicted: number; readonly seeded: number };
  };
  /** Figures of the server's features that are not Venice status members, e.g. `permission-denied-count` with an ACL. */
  readonly features: Readonly<Record<string, unknown>>;
  /** Queues (empty when clients may not manage queues and the asker is a client). */
  readonly queues: readonly QueueInfo[];
  readonly topics: ReadonlyArray<{ readonly topic: string; readonly subscribers: number; readonly pushes: number; readonly drops: number }>;
  /** Write-ahead log figures; `failedQueues`: durable queues whose log failed (they refuse durable offers). Null without WAL. */
  readonly wal: { readonly dir: string; readonly failedQueues: readonly string[]; readonly logs: readonly WalLogInfo[] } | null;
}

