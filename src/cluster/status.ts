/**
 * Cluster status types and the accessor (pure: no import of `nats`, safe on the embedded path).
 * The Java keys of `ipc-server/status` stay untouched; the node and cluster are reported by
 * `server.clusterStatus()` and, to clients, by the server topic `ipc-server/cluster`.
 */
import type { ServerCore } from '../server/core.js';
import type { BridgeStats } from './pubsub-bridge.js';

/** Name under which the cluster feature is installed in `server.features`. */
export const CLUSTER_FEATURE = 'cluster';
/** Server topic (REQUEST) answered with the {@link ClusterStatus} as JSON by a node with the `cluster` option. */
export const CLUSTER_STATUS_TOPIC = 'ipc-server/cluster';

/** What one node says about itself. */
export interface ClusterNodeInfo {
  /** The node's name (`cluster.name`). */
  readonly node: string;
  /** The URI its clients connect to. */
  readonly uri: string;
  readonly connections: number;
  /** Shared queues this node holds a handle on. */
  readonly queues: number;
  readonly temporaryQueues: number;
  /** Topics it is subscribed to in the engine. */
  readonly topics: number;
  /** ms timestamp of its start. */
  readonly startedAt: number;
}

/** The cluster as seen from one node. */
export interface ClusterStatus {
  readonly node: string;
  readonly servers: readonly string[];
  /** True while the engine connection is up. */
  readonly connected: boolean;
  /** The NATS server this node is connected to (null while disconnected). */
  readonly engine: { readonly server: string | null; readonly cluster: string | null; readonly version: string | null };
  readonly replicas: number;
  readonly pubsub: BridgeStats;
  /** Every node that answered within a short wait (this one included), by name. */
  readonly nodes: readonly ClusterNodeInfo[];
}

/** The cluster status of a server, or undefined without the `cluster` option. */
export function clusterStatusOf(server: ServerCore): Promise<ClusterStatus | undefined> {
  const f = server.features.get(CLUSTER_FEATURE) as { status?: () => Promise<ClusterStatus> } | undefined;
  return f?.status === undefined ? Promise.resolve(undefined) : f.status();
}
