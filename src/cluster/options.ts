/** Validation of the `cluster` server option (docs/cluster.md). Pure: no import of `nats`. */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ArgumentError, ErrorCode } from '../errors.js';

/** Credentials for the NATS servers. */
export type ClusterCredentials =
  | string
  | { readonly user: string; readonly pass: string }
  | { readonly token: string };

/** Options of scale-out on NATS JetStream (server option `cluster`). */
export interface ClusterOptions {
  /** NATS servers: `nats://host:port` URLs, an array or one comma-separated string. Required. */
  readonly servers: string | readonly string[];
  /** This node's name: NATS connection name and origin of its publishes. Defaults to `<hostname>-<pid>-<6 hex>`. */
  readonly name?: string;
  /** Path of a NATS `.creds` file, `{ user, pass }` or `{ token }`. Defaults to none. */
  readonly credentials?: ClusterCredentials;
  /** Replicas of each shared queue's stream (1–5; needs a NATS cluster of at least as many servers). Defaults to 1. */
  readonly replicas?: number;
  /** ms to wait for an answer of the engine (publish ack, stream API) before VIPC_ERR_CLUSTER_UNAVAILABLE. Defaults to 5000. */
  readonly requestTimeout?: number;
  /** Prefix of every subject and stream name, so that several clusters can share one NATS system. Defaults to `vipc`. */
  readonly prefix?: string;
}

/** The `cluster` member of `ServerOptions` (kept here so options.ts only adds one line). */
export interface ClusterServerOptions {
  /** Share topics and queues with other nodes through NATS JetStream (docs/cluster.md). Defaults to none (embedded mode). */
  readonly cluster?: Readonly<ClusterOptions>;
}

/** Default of `replicas`. */
export const DEFAULT_CLUSTER_REPLICAS = 1;
/** Default of `requestTimeout`, ms. */
export const DEFAULT_CLUSTER_REQUEST_TIMEOUT = 5000;
/** Default of `prefix`. */
export const DEFAULT_CLUSTER_PREFIX = 'vipc';

/** Validated cluster settings. */
export interface ClusterSettings {
  readonly servers: readonly string[];
  readonly name: string;
  readonly credentials: ClusterCredentials | undefined;
  readonly replicas: number;
  readonly requestTimeout: number;
  readonly prefix: string;
}

const SERVER_URL = /^(nats|tls):\/\/[^\s,/]+(:\d{1,5})?$/;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const PREFIX = /^[A-Za-z0-9-]{1,32}$/;

function opt(msg: string): never {
  throw new ArgumentError(ErrorCode.INVALID_OPTION, msg);
}

/** Splits `nats://a:1,nats://b:2` (or an array of such) into URLs; throws INVALID_OPTION for anything else. */
export function parseClusterServers(v: unknown): string[] {
  const list = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? (v as unknown[]) : opt('cluster.servers must be a string or an array of nats:// URLs');
  const out: string[] = [];
  for (const s of list) {
    if (typeof s !== 'string' || !SERVER_URL.test(s.trim())) opt(`cluster.servers: ${String(s)} is not a nats://host:port URL`);
    out.push(s.trim());
  }
  if (out.length === 0) opt('cluster.servers must name at least one NATS server');
  return out;
}

function checkCredentials(c: unknown): ClusterCredentials | undefined {
  if (c === undefined) return undefined;
  if (typeof c === 'string' && c.trim() !== '') return c;
  if (c !== null && typeof c === 'object') {
    const o = c as Record<string, unknown>;
    if (typeof o['user'] === 'string' && typeof o['pass'] === 'string') return { user: o['user'], pass: o['pass'] };
    if (typeof o['token'] === 'string') return { token: o['token'] };
  }
  return opt('cluster.credentials must be a .creds file path, { user, pass } or { token }');
}

/** Validates the `cluster` option once; undefined when absent. The caller's object is not written to. */
export function resolveClusterSettings(o: Readonly<ClusterServerOptions>): ClusterSettings | undefined {
  const c = o.cluster;
  if (c === undefined) return undefined;
  if (c === null || typeof c !== 'object') opt('cluster must be an object { servers, name?, credentials? }');
  const name = c.name ?? `${hostname().replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  if (typeof name !== 'string' || !NAME.test(name)) opt('cluster.name must be 1–64 characters of A-Z a-z 0-9 _ -');
  const replicas = c.replicas ?? DEFAULT_CLUSTER_REPLICAS;
  if (!Number.isSafeInteger(replicas) || replicas < 1 || replicas > 5) opt('cluster.replicas must be an integer from 1 to 5');
  const requestTimeout = c.requestTimeout ?? DEFAULT_CLUSTER_REQUEST_TIMEOUT;
  if (typeof requestTimeout !== 'number' || !Number.isSafeInteger(requestTimeout) || requestTimeout < 100) {
    opt('cluster.requestTimeout must be an integer number of ms >= 100');
  }
  const prefix = c.prefix ?? DEFAULT_CLUSTER_PREFIX;
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) opt('cluster.prefix must be 1–32 characters of A-Z a-z 0-9 -');
  return { servers: parseClusterServers(c.servers), name, credentials: checkCredentials(c.credentials), replicas, requestTimeout, prefix };
}
