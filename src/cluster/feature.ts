/**
 * The cluster feature (docs/cluster.md): plugs a server into NATS JetStream. Loaded by a
 * dynamic import from `createServer` only when the `cluster` option is set.
 *
 * It changes no request handler. Its gate runs before them and makes sure the registry holds
 * this node's handle on a shared queue before OFFER/POLL/STATUS_QUEUE reach the ordinary
 * handlers (asking the engine when this node does not know the queue yet); it forwards an
 * OFFER to a temporary queue held by another node; and it answers SUBSCRIBE only after the
 * engine registered the node's interest.
 */
import { debuglog } from 'node:util';
import { RequestStrategy, type Msg, type Subscription } from 'nats';
import { ClusterError, ErrorCode } from '../errors.js';
import type { Message } from '../message/message.js';
import { EXT_HELLO_QUEUE, EXT_HELLO_TOPIC } from '../protocol/queue-extension.js';
import type { OfferOutcome } from '../queue/types.js';
import type { DispatchResult, RequestContext, ServerCore, ServerFeature, SessionState } from '../server/core.js';
import { PUBSUB_FEATURE, type PubSubFeature } from '../server/pubsub.js';
import { offerResponse } from '../server/queue-handlers.js';
import { QUEUE_FEATURE, type QueueFeature } from '../server/queues.js';
import { jsonResponse } from '../server/responses.js';
import { decodeStoredMessage, encodeStoredMessage } from '../transport/stored-message.js';
import { engineError, openEngine, type Engine } from './engine.js';
import { JsQueueStore } from './js-queue.js';
import type { ClusterSettings } from './options.js';
import { NatsPubSubBridge } from './pubsub-bridge.js';
import { SharedQueues } from './shared-queues.js';
import { CLUSTER_FEATURE, CLUSTER_STATUS_TOPIC, type ClusterNodeInfo, type ClusterStatus } from './status.js';
import { ClusterNames } from './subjects.js';

const debug = debuglog('venice-ipc');
const TEMP_QUEUE = /^queue\/[0-9a-f-]{36}$/;
const OUTCOMES: ReadonlySet<string> = new Set(['ok', 'full', 'interrupted', 'closed']);
/** How long a cluster status waits for the other nodes to describe themselves, ms. */
const NODES_WAIT_MS = 300;

/** The cluster feature as installed in `server.features`. */
export interface ClusterFeature extends ServerFeature {
  readonly engine: Engine;
  /** The node, its engine connection and every node that answered. */
  status(): Promise<ClusterStatus>;
}

/**
 * Connects to the engine and installs the queue backend and the pub/sub bridge into the
 * already-installed queue and pub/sub features. Rejects with ClusterError
 * CLUSTER_CONNECT_FAILED when the engine cannot be reached.
 */
export async function openClusterFeature(server: ServerCore, settings: ClusterSettings): Promise<ClusterFeature> {
  const engine = await openEngine(settings);
  const names = new ClusterNames(settings.prefix);
  const queues = server.features.get(QUEUE_FEATURE) as QueueFeature;
  const pubsub = server.features.get(PUBSUB_FEATURE) as PubSubFeature;
  const registry = queues.registry;
  const shared = new SharedQueues(engine, names, registry);
  const bridge = new NatsPubSubBridge(engine, names, pubsub);
  registry.backend = shared;
  pubsub.bridge = bridge;
  /** Subscriptions taking remote offers, per temporary queue, with the owner session. */
  const tempSubs = new Map<string, { session: number; sub: Subscription }>();
  const started = Date.now();

  const describe = (): ClusterNodeInfo => ({
    node: settings.name,
    uri: (server as { uri?: string }).uri ?? '',
    connections: server.sessions.size,
    queues: [...registry.values()].filter((q) => q instanceof JsQueueStore).length,
    temporaryQueues: registry.temporaryCount,
    topics: bridge.stats.topics,
    startedAt: started,
  });
  const nodesSub = engine.nc.subscribe(names.nodes, {
    callback: (_err, m) => {
      if (m.reply !== undefined && m.reply !== '') m.respond(JSON.stringify(describe()));
    },
  });

  const status = async (): Promise<ClusterStatus> => {
    const nodes: ClusterNodeInfo[] = [];
    if (engine.connected) {
      try {
        const replies = await engine.nc.requestMany(names.nodes, '', { strategy: RequestStrategy.Timer, maxWait: NODES_WAIT_MS });
        for await (const r of replies) nodes.push(r.json<ClusterNodeInfo>());
      } catch (err) {
        debug('cluster status: asking the nodes failed: %s', String(err));
      }
    }
    const info = engine.nc.info;
    return {
      node: settings.name,
      servers: [...settings.servers],
      connected: engine.connected,
      engine: { server: info?.server_name ?? null, cluster: info?.cluster ?? null, version: info?.version ?? null },
      replicas: settings.replicas,
      pubsub: bridge.stats,
      nodes: nodes.sort((a, b) => a.node.localeCompare(b.node)),
    };
  };

  /** The queue handler for `type`, after the registry was brought in line with the engine. */
  const viaEngine = (ctx: RequestContext, msg: Message, name: string): Promise<Message | null> => {
    const handler = queues.handlers?.[msg.type];
    if (handler === undefined) return Promise.reject(new ClusterError(ErrorCode.INTERNAL, `no queue handler for ${msg.type}`));
    return shared.refresh(name).then(() => handler(ctx, msg));
  };

  const forwardOffer = async (msg: Message, name: string): Promise<Message> => {
    const stored = msg.with({ type: 'REQUEST' });
    let reply: Msg;
    try {
      reply = await engine.nc.request(names.tempQueue(name), encodeStoredMessage(stored), { timeout: Math.max(0, msg.timeout) + settings.requestTimeout });
    } catch (err) {
      if ((err as { code?: string }).code === '503') return offerResponse(msg, { name, durable: false }, 'closed'); // no node holds it
      throw engineError(`Offer to temporary queue ${name}`, err);
    }
    const out = reply.string();
    if (!OUTCOMES.has(out)) throw new ClusterError(ErrorCode.CLUSTER_ENGINE, `Offer to temporary queue ${name}: unexpected answer ${out.slice(0, 80)}`);
    return offerResponse(msg, { name, durable: false }, out as OfferOutcome);
  };

  /** Takes offers of other nodes for a temporary queue of this node. */
  const serveTempQueue = (name: string, session: number): void => {
    const sub = engine.nc.subscribe(names.tempQueue(name), {
      callback: (_err, m) => {
        let msg: Message;
        try {
          msg = decodeStoredMessage(m.data);
        } catch (err) {
          debug('cluster: undecodable offer for %s: %s', name, String(err));
          return; // the sender times out with CLUSTER_UNAVAILABLE
        }
        const q = registry.get(name);
        const out = q === undefined ? 'closed' : q.offer(msg, msg.timeout, server.shutdownSignal);
        void Promise.resolve(out)
          .then((o) => m.respond(o))
          .catch((err: unknown) => debug('cluster: forwarded offer for %s failed: %s', name, String(err))); // the sender times out
      },
    });
    tempSubs.set(name, { session, sub });
  };

  const gate = (ctx: RequestContext, msg: Message): DispatchResult | undefined => {
    switch (msg.type) {
      case 'OFFER':
      case 'POLL': {
        const name = msg.queueName;
        if (name === null) return undefined;
        // The queue extension's hello names the reserved queue `wal`: answered by this node, never by the engine.
        if (msg.type === 'POLL' && name === EXT_HELLO_QUEUE && msg.topic === EXT_HELLO_TOPIC) return undefined;
        const held = registry.get(name);
        if (held !== undefined && !held.closed) return undefined; // fast path: this node has the handle (or the temporary queue)
        if (msg.type === 'OFFER' && TEMP_QUEUE.test(name)) return forwardOffer(msg, name);
        if (TEMP_QUEUE.test(name)) return undefined; // polls of temporary queues stay local
        return viaEngine(ctx, msg, name);
      }
      case 'STATUS_QUEUE': {
        const name = nameOf(msg);
        if (name === undefined || registry.get(name)?.temporary === true || TEMP_QUEUE.test(name)) return undefined;
        return viaEngine(ctx, msg, name);
      }
      case 'CREATE_TEMP_QUEUE': {
        const r = queues.handlers?.CREATE_TEMP_QUEUE?.(ctx, msg);
        if (r === undefined || r === null || r instanceof Promise) return r ?? null;
        if (r.status === 'OK') serveTempQueue(r.text, ctx.session.id);
        return r;
      }
      case 'SUBSCRIBE': {
        const r = pubsub.handlers.SUBSCRIBE?.(ctx, msg);
        if (r === undefined || r === null || r instanceof Promise || r.status !== 'OK') return r ?? null;
        // Answered once the engine has the node's interest, so publishes through other nodes reach the client from then on.
        return bridge.flush().then(
          () => r,
          () => r,
        );
      }
      case 'REQUEST':
        if (msg.topic !== CLUSTER_STATUS_TOPIC) return undefined;
        return status().then((s) => jsonResponse(msg, 'OK', s));
      default:
        return undefined;
    }
  };

  return {
    engine,
    status,
    gate,
    onSessionClosed(session: SessionState): void {
      for (const [name, t] of tempSubs) {
        if (t.session !== session.id) continue;
        t.sub.unsubscribe();
        tempSubs.delete(name);
      }
    },
    async close(): Promise<void> {
      bridge.close();
      nodesSub.unsubscribe();
      for (const t of tempSubs.values()) t.sub.unsubscribe();
      tempSubs.clear();
      pubsub.bridge = undefined;
      registry.backend = undefined;
      await engine.close();
    },
  };
}

/** The `name` member of a management request, if it has one (else the ordinary handler answers). */
function nameOf(msg: Message): string | undefined {
  try {
    const v: unknown = JSON.parse(msg.text);
    const name = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)['name'] : undefined;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

export { CLUSTER_FEATURE };
