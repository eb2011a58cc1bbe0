import { ErrorCode, QueueError, toError } from '../errors.js';
import { validateQueueName } from '../message/validate.js';
import type { ServerCore, ServerFeature, SessionState } from './core.js';
import { QueueHandlers } from './queue-handlers.js';
import { QueueRegistry, type CreateQueueOptions, type QueueStatus } from './queue-registry.js';
import type { QueueSettings } from './queue-options.js';

/** Name under which the queue feature is installed in `server.features`. */
export const QUEUE_FEATURE = 'queues';

/** The queue feature: registry, request handlers, temporary-queue cleanup, status fields. */
export interface QueueFeature extends ServerFeature {
  readonly registry: QueueRegistry;
}

/**
 * Creates the queue feature (SEMANTICS §4–5): OFFER, POLL, CREATE_QUEUE, CREATE_TEMP_QUEUE,
 * REMOVE_QUEUE and STATUS_QUEUE; removes a connection's temporary queues when it closes.
 */
export function createQueueFeature(settings?: QueueSettings): QueueFeature {
  const registry = new QueueRegistry(settings);
  const h = new QueueHandlers(registry);
  const sweepMs = settings?.expirySweep ?? 0;
  // Drops expired messages nobody polls (durable ones are ACKed), so they leave memory and the log.
  const sweep = sweepMs > 0 ? setInterval(() => {
    for (const q of registry.values()) q.sweepExpired();
  }, sweepMs).unref() : undefined;
  return {
    registry,
    handlers: {
      OFFER: (ctx, msg) => h.offer(ctx, msg),
      POLL: (ctx, msg) => h.poll(ctx, msg),
      CREATE_QUEUE: (ctx, msg) => h.createQueue(ctx, msg),
      CREATE_TEMP_QUEUE: (ctx, msg) => h.createTempQueue(ctx, msg),
      REMOVE_QUEUE: (ctx, msg) => h.removeQueue(ctx, msg),
      STATUS_QUEUE: (ctx, msg) => h.statusQueue(ctx, msg),
    },
    onSessionClosed(session: SessionState): void {
      // Leases of the connection end: each message becomes visible again at its place.
      for (const q of registry.values()) q.releaseOwner(session.id);
      for (const name of session.tempQueues) {
        if (registry.get(name)?.owner === session.id) registry.removeNow(name);
      }
      session.tempQueues.clear();
    },
    statusFields(session: SessionState): Record<string, unknown> {
      return {
        'queue-count': registry.count,
        'temp-queue-count': registry.temporaryCount,
        'temp-queue-this-client-count': session.tempQueues.size,
      };
    },
    async close(): Promise<void> {
      if (sweep !== undefined) clearInterval(sweep);
      registry.closeAll();
    },
  };
}

/** The queue registry of a server (the feature is installed by `createServer`). */
export function queueRegistry(server: ServerCore): QueueRegistry {
  const f = server.features.get(QUEUE_FEATURE) as QueueFeature | undefined;
  if (f === undefined) throw new QueueError(ErrorCode.INTERNAL, 'The queue feature is not installed');
  return f.registry;
}

/** `server.createQueue` (SEMANTICS §5.1): validates, then creates unless the name exists. */
export function createQueueOnServer(server: ServerCore, name: string, opts: Readonly<CreateQueueOptions>): Promise<void> {
  try {
    return queueRegistry(server).create(name, opts);
  } catch (err) {
    return Promise.reject(toError(err));
  }
}

/** `server.removeQueue`: validates the name, then removes and clears the queue (absent is fine). */
export async function removeQueueOnServer(server: ServerCore, name: string): Promise<void> {
  validateQueueName(name);
  const registry = queueRegistry(server);
  const owner = registry.get(name)?.owner;
  if (owner !== undefined) {
    for (const s of server.sessions) if (s.id === owner) s.tempQueues.delete(name);
  }
  await registry.remove(name);
}

/** `server.existsQueue`: validates the name; true when the queue exists. */
export function existsQueueOnServer(server: ServerCore, name: string): boolean {
  validateQueueName(name);
  return queueRegistry(server).get(name) !== undefined;
}

/** `server.queueStatus`: validates the name; the status map (absent queues: `exists: false`). */
export function queueStatusOnServer(server: ServerCore, name: string): QueueStatus {
  validateQueueName(name);
  return queueRegistry(server).status(name);
}
