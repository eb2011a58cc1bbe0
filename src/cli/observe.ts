/**
 * What `status`, `queue list` and `top` print, from the server's extended status
 * (`client.extendedStatus()`, docs/operations.md). Pure formatting; the commands connect and loop.
 */
import type { ExtendedStatus, QueueInfo } from '../index.js';

/** Left-aligned columns separated by two spaces; numbers right-aligned. */
export function table(head: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const width = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (numeric[i] ? c.padStart(width[i] ?? 0) : c.padEnd(width[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function kind(q: QueueInfo): string {
  return q.type.toLowerCase() + (q.durable ? ',durable' : '') + (q.temporary ? ',temporary' : '');
}

/** `queue list` as a table. */
export function formatQueueList(queues: readonly QueueInfo[]): string {
  return table(
    ['NAME', 'TYPE', 'SIZE', 'CAPACITY'],
    queues.map((q) => [q.name, kind(q), q.size, q.capacity]),
  );
}

function sum(o: Readonly<Record<string, number>>): number {
  return Object.values(o).reduce((a, b) => a + b, 0);
}

/** Errors of all kinds a server counted (what `top` and the dashboard show as "errors"). */
export function errorCount(s: ExtendedStatus): number {
  const c = s.counters;
  return c.responseDiscardedCount + c.authFailures + sum(c.connectionErrors) + sum(c.connectionsRefused);
}

/** `status` for people: the Venice members, then the venice-ipc figures. */
export function formatStatus(s: ExtendedStatus, uri: string): string {
  const c = s.counters;
  const lines = [
    `server ${uri}, up ${s.uptimeSeconds} s`,
    '',
    'Venice status (ipc-server/status):',
    ...Object.entries(s.venice).map(([k, v]) => `  ${k}: ${String(v)}`),
    '',
    'Statistics:',
    `  connections: ${s.connections.length} open, ${c.connectionsAccepted} accepted, ${c.connectionsClosed} closed`,
    `  refused: ${JSON.stringify(c.connectionsRefused)}  connection errors: ${JSON.stringify(c.connectionErrors)}  failed logins: ${c.authFailures}`,
    `  messages: ${c.messagesReceived} received, ${c.messagesSent} sent; pushes ${c.publishCount}, dropped ${c.publishDiscardedCount}`,
    `  this connection: publish-this-client-count ${s['publish-this-client-count'] ?? 0}, publish-discarded-this-client-count ${s['publish-discarded-this-client-count'] ?? 0}`,
  ];
  if (s.wal !== null) {
    const failed = s.wal.failedQueues.length === 0 ? '' : `, FAILED: ${s.wal.failedQueues.join(', ')}`;
    lines.push(`  write-ahead log: ${s.wal.dir}, ${s.wal.logs.length} logs${failed}`);
  }
  return lines.join('\n');
}

/** One refresh of `top`: rates over the time since the previous status. */
export interface TopFrame {
  readonly time: number;
  readonly connections: number;
  /** Messages per second received / sent since the previous frame (0 for the first). */
  readonly inRate: number;
  readonly outRate: number;
  readonly drops: number;
  readonly errors: number;
  readonly queues: ReadonlyArray<{ readonly name: string; readonly size: number; readonly capacity: number }>;
  readonly topics: ReadonlyArray<{ readonly topic: string; readonly subscribers: number; readonly drops: number }>;
}

/** Builds a frame from two consecutive statuses (`prev` undefined for the first). */
export function topFrame(prev: ExtendedStatus | undefined, cur: ExtendedStatus): TopFrame {
  const ms = prev === undefined ? 0 : cur.time - prev.time;
  const rate = (a: number, b: number): number => (ms <= 0 ? 0 : Math.round(((b - a) * 10_000) / ms) / 10);
  return {
    time: cur.time,
    connections: cur.connections.length,
    inRate: prev === undefined ? 0 : rate(prev.counters.messagesReceived, cur.counters.messagesReceived),
    outRate: prev === undefined ? 0 : rate(prev.counters.messagesSent, cur.counters.messagesSent),
    drops: cur.counters.publishDiscardedCount,
    errors: errorCount(cur),
    queues: cur.queues.map((q) => ({ name: q.name, size: q.size, capacity: q.capacity })),
    topics: cur.topics.map((t) => ({ topic: t.topic, subscribers: t.subscribers, drops: t.drops })),
  };
}

/** A frame of `top` for a terminal. */
export function formatTop(f: TopFrame, uri: string): string {
  const lines = [
    `venice-ipc top — ${uri} — ${new Date(f.time).toISOString()}`,
    `connections ${f.connections}   in ${f.inRate} msg/s   out ${f.outRate} msg/s   drops ${f.drops}   errors ${f.errors}`,
    '',
    f.queues.length === 0 ? 'no queues' : table(['QUEUE', 'SIZE', 'CAPACITY', 'FILL'], f.queues.map((q) => [q.name, q.size, q.capacity, fillBar(q.size, q.capacity)])),
    '',
    f.topics.length === 0 ? 'no subscriptions' : table(['TOPIC', 'SUBSCRIBERS', 'DROPS'], f.topics.map((t) => [t.topic, t.subscribers, t.drops])),
  ];
  return lines.join('\n');
}

/** `[#####.....]` for a queue's fill level. */
export function fillBar(size: number, capacity: number, width = 20): string {
  const n = capacity <= 0 ? 0 : Math.min(width, Math.round((size / capacity) * width));
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}]`;
}
