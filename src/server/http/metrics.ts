/**
 * `/metrics` in the Prometheus text exposition format 0.0.4, written by hand (no dependency).
 * Every figure is read when scraped: the request path only increments counters (stats.ts).
 */
import type { ServerCore } from '../core.js';
import { PUBSUB_FEATURE, type PubSubFeature } from '../pubsub.js';
import { QUEUE_FEATURE, type QueueFeature } from '../queues.js';
import type { Histogram } from '../stats.js';
import { CONNECTION_REFUSAL_REASONS } from '../../util/diagnostics.js';
import { MessageType, type MessageTypeName } from '../../protocol/codes.js';

/** Content type of the exposition format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** Every metric name starts with this. */
export const METRICS_PREFIX = 'venice_ipc_';

type Labels = Readonly<Record<string, string>>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelText(labels: Labels | undefined): string {
  if (labels === undefined) return '';
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Collects families and samples; `text()` gives the exposition. */
export class MetricsWriter {
  readonly #out: string[] = [];

  /** Starts a family: its `# HELP` and `# TYPE` lines. Each family is written once, samples right after. */
  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): this {
    const full = METRICS_PREFIX + name;
    this.#out.push(`# HELP ${full} ${escapeHelp(help)}`, `# TYPE ${full} ${type}`);
    return this;
  }

  /** One sample of the current family (`name` without prefix, suffixes like `_bucket` included). */
  sample(name: string, value: number, labels?: Labels): this {
    this.#out.push(`${METRICS_PREFIX}${name}${labelText(labels)} ${num(value)}`);
    return this;
  }

  /** The samples of a histogram: cumulative buckets, `+Inf`, sum and count. */
  histogram(name: string, h: Histogram, labels: Labels = {}): this {
    let cum = 0;
    for (let i = 0; i < h.bounds.length; i++) {
      cum += h.counts[i] ?? 0;
      this.sample(`${name}_bucket`, cum, { ...labels, le: String(h.bounds[i]) });
    }
    this.sample(`${name}_bucket`, h.count, { ...labels, le: '+Inf' });
    this.sample(`${name}_sum`, h.sum, labels);
    this.sample(`${name}_count`, h.count, labels);
    return this;
  }

  text(): string {
    return this.#out.join('\n') + '\n';
  }
}

/** WAL histograms kept by the HTTP feature from `venice-ipc:wal:sync`. */
export interface WalHistograms {
  readonly syncSeconds: Histogram;
  readonly recordsPerSync: Histogram;
}

/** Writes every venice_ipc_ family of a server. */
export function writeMetrics(server: ServerCore, wal: WalHistograms | undefined): string {
  const w = new MetricsWriter();
  const st = server.stats;
  let read = st.closedWireBytes.read;
  let written = st.closedWireBytes.written;
  for (const s of server.sessions) {
    read += s.connection.socket.bytesRead;
    written += s.connection.socket.bytesWritten;
  }
  w.family('up', 'gauge', '1 while the server accepts connections.').sample('up', server.running ? 1 : 0);
  w.family('uptime_seconds', 'gauge', 'Seconds since the server started.').sample('uptime_seconds', Math.round((Date.now() - st.startedAt) / 1000));
  w.family('connections_open', 'gauge', 'Connections open now.').sample('connections_open', server.sessions.size);
  w.family('connections_max', 'gauge', 'The maxConnections limit.').sample('connections_max', server.settings.maxConnections);
  w.family('connections_accepted_total', 'counter', 'Connections accepted since start.').sample('connections_accepted_total', st.connectionsAccepted);
  w.family('connections_closed_total', 'counter', 'Connections ended since start.').sample('connections_closed_total', st.connectionsClosed);
  w.family('connections_refused_total', 'counter', 'Connections closed at once without being served, by reason.');
  for (const reason of CONNECTION_REFUSAL_REASONS) w.sample('connections_refused_total', st.connectionRefusals.get(reason) ?? 0, { reason });
  w.family('connection_errors_total', 'counter', 'Connections closed by an error, by error code.');
  for (const [code, n] of st.connectionErrors) w.sample('connection_errors_total', n, { code });
  w.family('auth_failures_total', 'counter', 'Failed logins.').sample('auth_failures_total', st.authFailures);

  w.family('messages_received_total', 'counter', 'Requests received, by message type.');
  const received = st.traffic.receivedByType();
  for (const r of received) w.sample('messages_received_total', r.messages, { type: r.type });
  w.family('message_payload_received_bytes_total', 'counter', 'Payload bytes of the requests received, by message type.');
  for (const r of received) w.sample('message_payload_received_bytes_total', r.bytes, { type: r.type });
  const sent = st.traffic.sentByTypeAndStatus();
  w.family('messages_sent_total', 'counter', 'Messages sent, by the type of the request answered and the response status (pub/sub pushes: type REQUEST, status NULL).');
  for (const r of sent) w.sample('messages_sent_total', r.messages, { type: r.type, status: r.status });
  w.family('message_payload_sent_bytes_total', 'counter', 'Payload bytes of the messages sent, by request type and status.');
  for (const r of sent) w.sample('message_payload_sent_bytes_total', r.bytes, { type: r.type, status: r.status });
  w.family('wire_received_bytes_total', 'counter', 'Bytes read from client sockets (frames, headers, encryption).').sample('wire_received_bytes_total', read);
  w.family('wire_sent_bytes_total', 'counter', 'Bytes written to client sockets.').sample('wire_sent_bytes_total', written);
  w.family('response_discarded_total', 'counter', 'Errors recorded for requests (Venice response-discarded-count).').sample('response_discarded_total', st.responseDiscardedCount);

  w.family('request_duration_seconds', 'histogram', 'Time from dispatch to response, by request type.');
  const lat = st.requestLatency ?? [];
  for (const [type, code] of Object.entries(MessageType) as Array<[MessageTypeName, number]>) {
    const h = lat[code];
    if (h !== undefined) w.histogram('request_duration_seconds', h, { type });
  }

  const queues = (server.features.get(QUEUE_FEATURE) as QueueFeature | undefined)?.registry;
  const list = queues === undefined ? [] : [...queues.values()];
  w.family('queue_size', 'gauge', 'Messages in a queue.');
  for (const q of list) w.sample('queue_size', q.size, { queue: q.name });
  w.family('queue_capacity', 'gauge', 'Capacity of a queue.');
  for (const q of list) w.sample('queue_capacity', q.capacity, { queue: q.name });

  const pubsub = server.features.get(PUBSUB_FEATURE) as PubSubFeature | undefined;
  const topics = pubsub?.topicStats() ?? [];
  w.family('pubsub_pushes_total', 'counter', 'Copies of published messages admitted for the subscribers of a topic (since it got its first subscriber).');
  for (const t of topics) w.sample('pubsub_pushes_total', t.pushes, { topic: t.topic });
  w.family('pubsub_drops_total', 'counter', 'Copies dropped because a subscriber of a topic could not keep up (since it got its first subscriber).');
  for (const t of topics) w.sample('pubsub_drops_total', t.drops, { topic: t.topic });
  w.family('pubsub_subscribers', 'gauge', 'Subscribers of a topic.');
  for (const t of topics) w.sample('pubsub_subscribers', t.subscribers, { topic: t.topic });
  w.family('pubsub_delivered_total', 'counter', 'Pushes handed to subscriber connections (Venice publish-count).').sample('pubsub_delivered_total', st.publishCount);
  w.family('pubsub_discarded_total', 'counter', 'Copies dropped server-wide (Venice publish-discarded-count).').sample('pubsub_discarded_total', st.publishDiscardedCount);

  if (wal !== undefined) {
    w.family('wal_sync_duration_seconds', 'histogram', 'Time of one group commit of a durable queue log: write + fdatasync.');
    w.histogram('wal_sync_duration_seconds', wal.syncSeconds);
    w.family('wal_records_per_sync', 'histogram', 'Records made durable by one group commit.');
    w.histogram('wal_records_per_sync', wal.recordsPerSync);
  }
  return w.text();
}
