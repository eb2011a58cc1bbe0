import { IdempotencyStats } from './idempotency.js';
import type { Message } from '../message/message.js';
import { MessageType, ResponseStatus, type MessageTypeName, type ResponseStatusName } from '../protocol/codes.js';
import { requestEndChannel, requestStartChannel, type ConnectionRefusalReason } from '../util/diagnostics.js';

/** Message type codes are below this (NULL = 90). */
const TYPE_SLOTS = 128;
/** Response status codes are below this (NULL = 99). */
const STATUS_SLOTS = 100;
const PUSH_SLOT = MessageType.REQUEST * STATUS_SLOTS + ResponseStatus.NULL;

/** `a[i] += n` (typed arrays hold 0 in every slot; the `?? 0` only satisfies the index check). */
function add(a: Float64Array, i: number, n: number): void {
  a[i] = (a[i] ?? 0) + n;
}

/** Upper bounds (seconds) of the request latency histogram buckets. */
export const REQUEST_LATENCY_BUCKETS: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A Prometheus-style histogram: cumulative counts are computed when read. */
export class Histogram {
  readonly bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > (b[i] as number)) i++;
    add(this.counts, i, 1);
    this.sum += v;
    this.count++;
  }
}

/** Messages and payload bytes by type (received) and by type and status (sent); plain array increments. */
export class TrafficCounters {
  /** Requests received, by message type code. */
  readonly received = new Float64Array(TYPE_SLOTS);
  /** Payload bytes of the requests received, by message type code. */
  readonly receivedBytes = new Float64Array(TYPE_SLOTS);
  /** Messages sent, by `requestType * 100 + status` (pushes: REQUEST/NULL). */
  readonly sent = new Float64Array(TYPE_SLOTS * STATUS_SLOTS);
  /** Payload bytes of the messages sent, same index. */
  readonly sentBytes = new Float64Array(TYPE_SLOTS * STATUS_SLOTS);

  /** Non-zero counters of the received side, by type name. */
  receivedByType(): Array<{ type: MessageTypeName; messages: number; bytes: number }> {
    const out: Array<{ type: MessageTypeName; messages: number; bytes: number }> = [];
    for (const [type, code] of Object.entries(MessageType) as Array<[MessageTypeName, number]>) {
      const n = this.received[code] as number;
      if (n > 0) out.push({ type, messages: n, bytes: this.receivedBytes[code] as number });
    }
    return out;
  }

  /** Non-zero counters of the sent side: type is the answered request's (REQUEST/NULL for pushes). */
  sentByTypeAndStatus(): Array<{ type: MessageTypeName; status: ResponseStatusName; messages: number; bytes: number }> {
    const out: Array<{ type: MessageTypeName; status: ResponseStatusName; messages: number; bytes: number }> = [];
    for (const [type, t] of Object.entries(MessageType) as Array<[MessageTypeName, number]>) {
      for (const [status, s] of Object.entries(ResponseStatus) as Array<[ResponseStatusName, number]>) {
        const i = t * STATUS_SLOTS + s;
        const n = this.sent[i] as number;
        if (n > 0) out.push({ type, status, messages: n, bytes: this.sentBytes[i] as number });
      }
    }
    return out;
  }

  /** Totals: messages received and sent (pushes included). */
  totals(): { received: number; sent: number } {
    let received = 0;
    let sent = 0;
    for (const n of this.received) received += n;
    for (const n of this.sent) sent += n;
    return { received, sent };
  }
}

/** What the server's request path tells the statistics about the connection of a request. */
interface RequestSession {
  readonly id: number;
}

/** Server-wide counters (SEMANTICS §12.1), plus connection-level error accounting and the figures behind `/metrics`. */
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
  /** Connections refused, by reason (`max-connections`, `closing`). */
  readonly connectionRefusals = new Map<ConnectionRefusalReason, number>();
  /** Failed logins since start. */
  authFailures = 0;
  /** Messages and bytes in and out by type and status. */
  readonly traffic = new TrafficCounters();
  /** Bytes read and written by connections that have closed (open ones are read from their sockets). */
  closedWireBytes = { read: 0, written: 0 };
  /**
   * Request latency by message type code (seconds); only kept while metrics are served
   * (`http` option), so that a server nobody scrapes does not time its requests.
   */
  requestLatency: Array<Histogram | undefined> | undefined;
  /** ms since the epoch when the server was created. */
  readonly startedAt = Date.now();
  /** URI of the server, for diagnostics_channel messages. */
  server = '';

  /** Counts a connection closed by an error with this code. */
  countConnectionError(code: string): void {
    this.connectionErrors.set(code, (this.connectionErrors.get(code) ?? 0) + 1);
  }

  /** Counts a refused connection. */
  countRefusal(reason: ConnectionRefusalReason): void {
    if (reason === 'max-connections') this.connectionsRefused++;
    this.connectionRefusals.set(reason, (this.connectionRefusals.get(reason) ?? 0) + 1);
  }

  /** Counts a push handed to a subscriber connection. */
  countPush(bytes: number): void {
    this.publishCount++;
    add(this.traffic.sent, PUSH_SLOT, 1);
    add(this.traffic.sentBytes, PUSH_SLOT, bytes);
  }

  /**
   * A request enters dispatch: counted; returns its start time when someone times requests
   * (metrics or a `request-start`/`request-end` subscriber), else 0.
   */
  requestStarted(session: RequestSession, msg: Message): number {
    const t = MessageType[msg.type];
    add(this.traffic.received, t, 1);
    add(this.traffic.receivedBytes, t, msg.data.length);
    if (requestStartChannel.hasSubscribers) {
      requestStartChannel.publish({ server: this.server, connectionId: session.id, type: msg.type, id: msg.id, topic: msg.topic });
    }
    return this.requestLatency !== undefined || requestEndChannel.hasSubscribers ? performance.now() : 0;
  }

  /** A request is answered (`res`), or finished without answer (null). `start` is what {@link requestStarted} returned. */
  requestFinished(session: RequestSession, req: Message, res: Message | null, start: number): void {
    const t = MessageType[req.type];
    if (res !== null && !req.oneway) {
      const i = t * STATUS_SLOTS + ResponseStatus[res.status];
      add(this.traffic.sent, i, 1);
      add(this.traffic.sentBytes, i, res.data.length);
    }
    if (start === 0) return;
    const ms = performance.now() - start;
    const lat = this.requestLatency;
    if (lat !== undefined) (lat[t] ??= new Histogram(REQUEST_LATENCY_BUCKETS)).observe(ms / 1000);
    if (requestEndChannel.hasSubscribers) {
      requestEndChannel.publish({
        server: this.server,
        connectionId: session.id,
        type: req.type,
        id: req.id,
        topic: req.topic,
        status: res === null || req.oneway ? 'NULL' : res.status,
        durationMs: ms,
      });
    }
  }

  /** Resets the Venice counters (not the connection accounting). */
  clear(): void {
    this.messageCount = 0;
    this.publishCount = 0;
    this.responseDiscardedCount = 0;
    this.publishDiscardedCount = 0;
  }
}
