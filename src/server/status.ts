import type { ServerCore, SessionState } from './core.js';
import { ERROR_QUEUE_CAPACITY } from './options.js';

/** Capacity of a subscriber's publish queue reported in status (the Java value). */
export const PUBLISH_QUEUE_CAPACITY = 50;

/** The `ipc-server/status` object for one connection (SEMANTICS §12.1; key typos kept). */
export function serverStatus(server: ServerCore, session: SessionState): Record<string, unknown> {
  const s = server.settings;
  let subClients = 0;
  let subTopics = 0;
  for (const sess of server.sessions) {
    if (sess.subscriptions.size > 0) subClients++;
    subTopics += sess.subscriptions.size;
  }
  let status: Record<string, unknown> = {
    running: server.running,
    encryption: session.connection.codec.cipher !== undefined,
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
    'temp-queue-this-client-count': session.tempQueues.size,
    // Node cannot read SO_SNDBUF/SO_RCVBUF: -1 is the spec's "unknown".
    'socket-snd-buf-size': -1,
    'socket-rcv-buf-size': -1,
  };
  for (const f of server.features.values()) {
    if (f.statusFields !== undefined) status = { ...status, ...f.statusFields(session) };
  }
  return status;
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
