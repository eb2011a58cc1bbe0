import type { ServerCore, SessionState } from './core.js';
import { ERROR_QUEUE_CAPACITY } from './options.js';
import { PUBSUB_FEATURE, type PubSubFeature } from './pubsub.js';
import { QUEUE_FEATURE, type QueueFeature } from './queues.js';
import { WAL_FEATURE, type WalFeature } from './durable-queues.js';
import type { ConnectionInfo, ExtendedStatus, QueueInfo } from '../protocol/extended-status.js';

export { EXTENDED_STATUS_TOPIC } from '../protocol/extended-status.js';

/** Capacity of a subscriber's publish queue reported in status (the Java value). */
export const PUBLISH_QUEUE_CAPACITY = 50;

/** The keys of the Java 1.12.71 `ipc-server/status` answer, in its order (SEMANTICS §12.1; typos kept). */
export const VENICE_STATUS_KEYS: readonly string[] = [
  'running',
  'encryption',
  'max-queues',
  'message-size-max',
  'permit-client-queue-mgmt',
  'compression-cutoff-size',
  'write-ahead-log-dir',
  'write-ahead-log-count',
  'hearbeat-interval',
  'logger-enabled',
  'logger-file',
  'error-queue-capacity',
  'publish-queue-capacity',
  'connection_count',
  'message-count',
  'publish-count',
  'response-discarded-count',
  'publish-discarded-count',
  'subscription-client-count',
  'subscription-topic-count',
  'queue-count',
  'temp-queue-count',
  'temp-queue-this-client-count',
  'socket-snd-buf-size',
  'socket-rcv-buf-size',
];

/** Every member the server and its features know for this connection (Venice keys and extras). */
function allStatusFields(server: ServerCore, session: SessionState | undefined): Record<string, unknown> {
  const s = server.settings;
  let subClients = 0;
  let subTopics = 0;
  for (const sess of server.sessions) {
    if (sess.subscriptions.size > 0) subClients++;
    subTopics += sess.subscriptions.size;
  }
  let status: Record<string, unknown> = {
    running: server.running,
    encryption: session?.connection.codec.cipher !== undefined,
    'max-queues': s.maxQueues,
    'message-size-max': s.maxMessageSize,
    'permit-client-queue-mgmt': s.permitClientQueueMgmt,
    'compression-cutoff-size': s.compressCutoffSize,
    'write-ahead-log-dir': '-',
    'write-ahead-log-count': 0,
    'hearbeat-interval': s.heartbeatInterval,
    'logger-enabled': false,
    'logger-file': '-',
    'error-queue-capacity': ERROR_QUEUE_CAPACITY,
    'publish-queue-capacity': PUBLISH_QUEUE_CAPACITY,
    connection_count: server.sessions.size,
    'message-count': server.stats.messageCount,
    'publish-count': server.stats.publishCount,
    'response-discarded-count': server.stats.responseDiscardedCount,
    'publish-discarded-count': server.stats.publishDiscardedCount,
    'subscription-client-count': subClients,
    'subscription-topic-count': subTopics,
    'queue-count': 0,
    'temp-queue-count': 0,
    'temp-queue-this-client-count': session?.tempQueues.size ?? 0,
    // Node cannot read SO_SNDBUF/SO_RCVBUF: -1 is the spec's "unknown".
    'socket-snd-buf-size': -1,
    'socket-rcv-buf-size': -1,
  };
  for (const f of server.features.values()) {
    if (f.statusFields !== undefined) status = { ...status, ...f.statusFields(session ?? NO_SESSION) };
  }
  if (session === undefined) {
    delete status['encryption'];
    delete status['temp-queue-this-client-count'];
  }
  return status;
}

const VENICE_KEY_SET: ReadonlySet<string> = new Set(VENICE_STATUS_KEYS);

/** Stands in for a connection when the status is read from outside (HTTP): owns nothing. */
const NO_SESSION = { tempQueues: new Set<string>(), subscriptions: new Set<string>() } as unknown as SessionState;

/**
 * The `ipc-server/status` object for one connection: exactly the keys of the Java 1.12.71
 * server (SEMANTICS §12.1), so a Venice peer sees nothing unknown. The venice-ipc figures live in
 * {@link extendedStatus}.
 */
export function serverStatus(server: ServerCore, session: SessionState): Record<string, unknown> {
  const all = allStatusFields(server, session);
  const out: Record<string, unknown> = {};
  for (const k of VENICE_STATUS_KEYS) out[k] = all[k];
  return out;
}

/** Builds the extended status; `session` is the asking connection (undefined over HTTP). */
export function extendedStatus(server: ServerCore, session: SessionState | undefined): ExtendedStatus {
  const pubsub = server.features.get(PUBSUB_FEATURE) as PubSubFeature | undefined;
  const queues = server.features.get(QUEUE_FEATURE) as QueueFeature | undefined;
  const wal = server.features.get(WAL_FEATURE) as WalFeature | undefined;
  const connections: ConnectionInfo[] = [];
  for (const s of server.sessions) {
    const p = pubsub?.statsOf(s);
    connections.push({
      id: s.id,
      remote: s.remote,
      principal: s.principal,
      encrypted: s.connection.codec.cipher !== undefined,
      subscriptions: s.subscriptions.size,
      tempQueues: s.tempQueues.size,
      bytesRead: s.connection.socket.bytesRead,
      bytesWritten: s.connection.socket.bytesWritten,
      published: p?.delivered ?? 0,
      publishDiscarded: p?.dropped ?? 0,
    });
  }
  const showQueues = session === undefined || server.settings.permitClientQueueMgmt;
  const queueList: QueueInfo[] = [];
  if (showQueues && queues !== undefined) {
    for (const q of queues.registry.values()) {
      queueList.push({ name: q.name, type: q.type, capacity: q.capacity, size: q.size, durable: q.durable, temporary: q.temporary });
    }
    queueList.sort((a, b) => a.name.localeCompare(b.name));
  }
  const st = server.stats;
  const totals = st.traffic.totals();
  const all = allStatusFields(server, session);
  const venice: Record<string, unknown> = {};
  for (const k of VENICE_STATUS_KEYS) if (k in all) venice[k] = all[k];
  const features: Record<string, unknown> = {};
  for (const k of Object.keys(all)) if (!VENICE_KEY_SET.has(k)) features[k] = all[k];
  const own = session === undefined ? undefined : pubsub?.statsOf(session);
  return {
    venice,
    ...(own === undefined ? {} : { 'publish-this-client-count': own.delivered, 'publish-discarded-this-client-count': own.dropped }),
    time: Date.now(),
    uptimeSeconds: Math.round((Date.now() - server.stats.startedAt) / 1000),
    connections,
    counters: {
      connectionsAccepted: st.connectionsAccepted,
      connectionsClosed: st.connectionsClosed,
      connectionsRefused: Object.fromEntries(st.connectionRefusals),
      connectionErrors: Object.fromEntries(st.connectionErrors),
      authFailures: st.authFailures,
      messagesReceived: totals.received,
      messagesSent: totals.sent,
      publishCount: st.publishCount,
      publishDiscardedCount: st.publishDiscardedCount,
      responseDiscardedCount: st.responseDiscardedCount,
      handlerTimeouts: st.handlerTimeouts,
      idempotency: { ...st.idempotency },
    },
    features,
    queues: queueList,
    topics: (pubsub?.topicStats() ?? []).sort((a, b) => a.topic.localeCompare(b.topic)),
    wal:
      wal === undefined || server.settings.wal === undefined
        ? null
        : {
            dir: server.settings.wal.dir,
            failedQueues: wal.failedQueues(),
            logs: wal.wal.queueNames().map((queue) => {
              const l = wal.logStats(queue);
              return {
                queue,
                records: l?.records ?? 0,
                syncs: l?.syncs ?? 0,
                bytes: l?.bytes ?? 0,
                fileBytes: l?.fileBytes ?? 0,
                deadBytes: l?.deadBytes ?? 0,
                failed: wal.wal.queueLog(queue)?.failed !== undefined,
              };
            }),
          },
  };
}

/** `ipc-server/thread-pool-statistics` with Node analogues of Java's pool figures (SEMANTICS §12.2). */
export function threadPoolStatistics(server: ServerCore): Record<string, number> {
  const open = server.sessions.size;
  return {
    'core-pool-size': 0,
    'maximum-pool-size': server.settings.maxConnections + 1,
    'current-pool-size': open + 1,
    'largest-pool-size': server.stats.largestConnectionCount + 1,
    'active-thread-count': open + 1,
    'scheduled-task-count': server.stats.connectionsAccepted,
    'completed-task-count': server.stats.connectionsClosed,
  };
}
