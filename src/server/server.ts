import { unlink } from 'node:fs/promises';
import { connect as netConnect, createServer as netCreateServer, type Server as NetServer, type Socket } from 'node:net';
import { channel } from 'node:diagnostics_channel';
import { debuglog } from 'node:util';
import { ConnectionError, ErrorCode, isIpcError } from '../errors.js';
import type { Message } from '../message/message.js';
import { formatEndpoint, type Endpoint } from '../transport/endpoint.js';
import type { ServerCore, ServerFeature, SessionState } from './core.js';
import type { AclPolicy } from '../auth/acl.js';
import type { Server as TlsServer } from 'node:tls';
import { resolveServerSettings, type ServerOptions, type ServerSettings } from './options.js';
import { createPubSubFeature, PUBSUB_FEATURE } from './pubsub.js';
import { createSecurityFeature, SECURITY_FEATURE } from './security.js';
import { ServerSession } from './session.js';
import type { CreateQueueOptions, QueueStatus } from './queue-registry.js';
import { createQueueFeature, createQueueOnServer, existsQueueOnServer, QUEUE_FEATURE, queueStatusOnServer, removeQueueOnServer } from './queues.js';
import { openWalFeature, WAL_FEATURE } from './durable-queues.js';
import { ServerStats } from './stats.js';
import { IdempotencyCache, installIdempotency } from './idempotency.js';
import { ConnectionHygiene } from './hygiene.js';
import { createTlsListener, type ServerTlsSettings } from './tls.js';
import { AUTHORIZATION_FEATURE, createAuthorizationFeature, type AuthorizationFeature } from './authorization.js';
import { HTTP_FEATURE, openHttpFeature, type HttpFeature } from './http/feature.js';
import { connectionCloseChannel, connectionOpenChannel, connectionRefusedChannel, type ConnectionRefusalReason } from '../util/diagnostics.js';
import { CLUSTER_FEATURE, clusterStatusOf, type ClusterStatus } from '../cluster/status.js';

const debug = debuglog('venice-ipc');
/** diagnostics_channel on which the server publishes `{ connectionId, remote, error }` for each connection closed by an error. */
export const connectionErrorChannel = channel('venice-ipc:server:connection-error');

/** A running Venice IPC server. */
export interface Server {
  /** The URI clients connect to (with the real port when port 0 was requested). */
  readonly uri: string;
  /** The bound endpoint. */
  readonly endpoint: Endpoint;
  /** True while accepting connections. */
  readonly running: boolean;
  /** Validated settings. */
  readonly settings: ServerSettings;
  /** Counters (SEMANTICS §12) and connection-error accounting. */
  readonly stats: ServerStats;
  /** Number of open connections. */
  readonly connectionCount: number;
  /** The URI of the TLS listener (with its real port), when the `tls` option is set. */
  readonly tlsUri: string | undefined;
  /**
   * Re-reads the ACL file given as `acl` (or installs `policy`) without dropping connections;
   * the next request of every connection is checked against it. Rejects with AuthError
   * ACL_INVALID (naming the line), keeping the old policy.
   */
  reloadAcl(policy?: AclPolicy): Promise<void>;
  /** `http://host:port` of the metrics/health/dashboard endpoint (option `http`), else undefined. */
  readonly httpUrl: string | undefined;
  /**
   * Creates a queue (`ipc/create-queue`); an existing name is a no-op. Rejects with a coded
   * error: invalid name (MessageError), capacity < 1 (QueueError QUEUE_LIMIT), durable circular
   * (QUEUE_NOT_PERMITTED), durable without write-ahead log (WalError WAL_DISABLED).
   */
  createQueue(name: string, opts: Readonly<CreateQueueOptions>): Promise<void>;
  /** Removes a queue and drops its messages (`ipc/remove-queue`); absent names are fine. */
  removeQueue(name: string): Promise<void>;
  /** True when the queue exists (`ipc/exists-queue?`); throws MessageError for an invalid name. */
  existsQueue(name: string): boolean;
  /** Status of a queue: name, exists, type, temporary, durable, capacity, size. */
  queueStatus(name: string): QueueStatus;
  /** The node and cluster (docs/cluster.md); undefined without the `cluster` option. */
  clusterStatus(): Promise<ClusterStatus | undefined>;
  /**
   * Stops accepting, lets in-flight requests finish up to `closeTimeout`, closes every
   * connection and the plugged-in services. Idempotent.
   */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

class ServerImpl implements Server, ServerCore {
  #settings: ServerSettings;
  readonly stats = new ServerStats();
  readonly features = new Map<string, ServerFeature>();
  readonly sessions = new Set<ServerSession>();
  readonly #net: NetServer;
  readonly #hygiene: ConnectionHygiene;
  #tls: TlsServer | undefined;
  #tlsEndpoint: Endpoint | undefined;
  readonly #shutdown = new AbortController();
  #endpoint: Endpoint;
  #running = false;
  #nextId = 1;
  #closing: Promise<void> | undefined;

  constructor(settings: ServerSettings) {
    this.#settings = settings;
    this.#endpoint = settings.endpoint;
    this.#hygiene = new ConnectionHygiene(settings.security, settings.maxConnections);
    const tls = settings.security.tls;
    this.#net =
      settings.security.tlsOnly && tls !== undefined
        ? this.#createTls(tls) // TLS instead of the plain listener
        : netCreateServer({ noDelay: true }, (s) => this.#accept(s));
  }

  #createTls(t: ServerTlsSettings): TlsServer {
    return createTlsListener(
      t,
      this.#settings.security.handshakeTimeout,
      this.#settings.maxConnections, // TLS handshakes in progress at once
      (raw) => this.#hygiene.allowed(raw),
      (s) => this.#accept(s),
    );
  }

  get tlsUri(): string | undefined {
    if (this.#settings.security.tlsOnly) return this.uri;
    return this.#tlsEndpoint === undefined ? undefined : formatEndpoint(this.#tlsEndpoint);
  }

  reloadAcl(policy?: AclPolicy): Promise<void> {
    return (this.features.get(AUTHORIZATION_FEATURE) as AuthorizationFeature).reload(policy);
  }

  get settings(): ServerSettings {
    return this.#settings;
  }

  get endpoint(): Endpoint {
    return this.#endpoint;
  }

  get uri(): string {
    return formatEndpoint(this.#endpoint);
  }

  get running(): boolean {
    return this.#running;
  }

  get shutdownSignal(): AbortSignal {
    return this.#shutdown.signal;
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  get httpUrl(): string | undefined {
    return (this.features.get(HTTP_FEATURE) as HttpFeature | undefined)?.url;
  }

  async listen(): Promise<void> {
    const e = this.#endpoint;
    try {
      await this.#listenOnce();
    } catch (err) {
      if (e.kind === 'unix' && (err as NodeJS.ErrnoException).code === 'EADDRINUSE' && !(await isLive(e.path))) {
        await unlink(e.path).catch(() => undefined); // a stale socket file left by a dead server
        await this.#listenOnce();
      } else {
        throw err;
      }
    }
    const addr = this.#net.address();
    if (e.kind === 'inet' && addr !== null && typeof addr === 'object') {
      this.#endpoint = { ...e, port: addr.port };
      this.#settings = { ...this.#settings, endpoint: this.#endpoint }; // the real port when 0 was asked for
    }
    const t = this.#settings.security.tls;
    if (t !== undefined && !this.#settings.security.tlsOnly) {
      this.#tls = this.#createTls(t);
      try {
        await listenOn(this.#tls, t.endpoint);
      } catch (err) {
        this.#net.close();
        throw err;
      }
      const a = this.#tls.address();
      this.#tlsEndpoint = t.endpoint.kind === 'inet' && a !== null && typeof a === 'object' ? { ...t.endpoint, port: a.port } : t.endpoint;
    }
    this.stats.server = this.uri;
    this.#running = true;
  }

  #listenOnce(): Promise<void> {
    return listenOn(this.#net, this.#endpoint);
  }

  #accept(socket: Socket): void {
    if (!this.#running) {
      this.#refuse(socket, 'closing');
      socket.destroy();
      return;
    }
    // allow-list, per-address cap, and room at maxConnections (evicting an unauthenticated or idle one)
    const refused = this.#hygiene.admit(socket);
    if (refused !== undefined) {
      this.#refuse(socket, refused.reason);
      this.stats.countConnectionError(refused.error.code);
      debug('refusing connection: %s', refused.error.message);
      socket.destroy(); // closed at once (Java leaves it hanging; WIRE §11)
      return;
    }
    // No 'error' listener of our own: the session's Connection adds one at once and reports
    // errors through 'close'.
    this.stats.connectionsAccepted++;
    const guard = this.#hygiene.guard(socket);
    const session = new ServerSession(this.#nextId++, socket, this, this.#onSessionClosed, guard);
    this.sessions.add(session);
    this.stats.largestConnectionCount = Math.max(this.stats.largestConnectionCount, this.sessions.size);
    if (connectionOpenChannel.hasSubscribers) connectionOpenChannel.publish({ server: this.uri, connectionId: session.id, remote: session.remote });
  }

  /** Counts a refused connection and tells `venice-ipc:server:connection-refused`; the caller destroys the socket. */
  #refuse(socket: Socket, reason: ConnectionRefusalReason): void {
    this.stats.countRefusal(reason);
    if (connectionRefusedChannel.hasSubscribers) {
      const remote = socket.remoteAddress !== undefined ? `${socket.remoteAddress}:${socket.remotePort}` : 'unix-socket';
      connectionRefusedChannel.publish({ server: this.uri, remote, reason });
    }
  }

  /** One callback for every session (not a closure per connection). */
  readonly #onSessionClosed = (session: ServerSession, err: Error | undefined): void => this.#sessionClosed(session, err);

  #sessionClosed(session: ServerSession, err: Error | undefined): void {
    this.sessions.delete(session);
    this.stats.connectionsClosed++;
    this.stats.closedWireBytes.read += session.connection.socket.bytesRead;
    this.stats.closedWireBytes.written += session.connection.socket.bytesWritten;
    if (connectionCloseChannel.hasSubscribers) {
      connectionCloseChannel.publish({ server: this.uri, connectionId: session.id, remote: session.remote, principal: session.principal, error: err });
    }
    for (const f of this.features.values()) {
      try {
        f.onSessionClosed?.(session as SessionState);
      } catch (e) {
        debug('feature cleanup failed: %s', (e as Error).message);
      }
    }
    if (err === undefined) return;
    const code = isIpcError(err) ? err.code : 'UNKNOWN';
    this.stats.countConnectionError(code);
    debug('connection %d (%s) closed: %s %s', session.id, session.remote, code, err.message);
    if (connectionErrorChannel.hasSubscribers) {
      connectionErrorChannel.publish({ connectionId: session.id, remote: session.remote, error: err });
    }
    this.settings.onConnectionError?.(err, { connectionId: session.id, remote: session.remote });
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#running = false;
    const stopped = new Promise<void>((resolve) => this.#net.close(() => resolve()));
    const tls = this.#tls;
    const tlsStopped = tls === undefined ? undefined : new Promise<void>((resolve) => tls.close(() => resolve()));
    const reason = new ConnectionError(ErrorCode.SERVER_CLOSED, 'The server is closing');
    this.#shutdown.abort(reason); // queue waits end now (QUEUE_ACCESS_INTERRUPTED)
    // Handlers' signals abort now, so cooperative handlers stop early; closeTimeout bounds the rest.
    for (const s of this.sessions) s.abort(reason);
    for (const s of this.sessions) s.connection.pauseReading('closing');
    const idle = Promise.all([...this.sessions].map((s) => s.whenIdle()));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.settings.closeTimeout);
    });
    await Promise.race([idle, deadline]);
    clearTimeout(timer);
    await Promise.all([...this.sessions].map((s) => s.connection.close(1000)));
    await stopped;
    await tlsStopped;
    for (const f of this.features.values()) await f.close?.();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  createQueue(name: string, opts: Readonly<CreateQueueOptions>): Promise<void> {
    return createQueueOnServer(this, name, opts);
  }

  removeQueue(name: string): Promise<void> {
    return removeQueueOnServer(this, name);
  }

  existsQueue(name: string): boolean {
    return existsQueueOnServer(this, name);
  }

  queueStatus(name: string): QueueStatus {
    return queueStatusOnServer(this, name);
  }

  clusterStatus(): Promise<ClusterStatus | undefined> {
    return clusterStatusOf(this);
  }
}

function listenOn(server: NetServer, e: Endpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    const done = (): void => {
      server.off('error', onError);
      resolve();
    };
    if (e.kind === 'unix') server.listen(e.path, done);
    else server.listen({ host: e.host, port: e.port }, done);
  });
}

function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Starts a server. Resolves once it is listening; rejects with a ConnectionError
 * (LISTEN_FAILED) when the endpoint cannot be bound, or an ArgumentError for bad options (among
 * them an active `authenticator` without `encrypt`; INVALID_OPTION also for a missing `walDir`).
 * With `walDir`, the write-ahead log is recovered first; a damaged log rejects with WalError
 * (WAL_CORRUPT naming file and offset).
 *
 * ```ts
 * await using server = await createServer({ port: 33333, handler: (m) => m });
 * ```
 */
export async function createServer(options: Readonly<ServerOptions>): Promise<Server> {
  const settings = resolveServerSettings(options);
  const server = new ServerImpl(settings);
  // First, so that its gate (encryption, login) runs before any other feature's.
  server.features.set(SECURITY_FEATURE, createSecurityFeature(settings));
  // Second: permissions are checked after encryption and login, before any handler runs.
  server.features.set(AUTHORIZATION_FEATURE, await createAuthorizationFeature(settings.security.acl));
  const queues = createQueueFeature(settings.queues);
  server.features.set(QUEUE_FEATURE, queues);
  server.features.set(PUBSUB_FEATURE, createPubSubFeature(server));
  // Recovery before listening: durable queues are complete when the first client connects.
  // Installed after the queue feature, so at close the queues close before their logs.
  const idem = settings.resilience.idempotency;
  const cache = idem === undefined ? undefined : new IdempotencyCache(idem, server.stats.idempotency);
  if (cache !== undefined) installIdempotency(server, cache);
  const seed = cache === undefined ? undefined : (queue: string, messages: readonly Message[]): void => cache.seed(queue, messages);
  const wal = settings.wal === undefined ? undefined : await openWalFeature(settings.wal, queues.registry, seed);
  if (wal !== undefined) server.features.set(WAL_FEATURE, wal);
  try {
    // Loaded only with `cluster`: the embedded mode never imports the NATS client.
    if (settings.cluster !== undefined) {
      const { openClusterFeature } = await import('../cluster/feature.js');
      server.features.set(CLUSTER_FEATURE, await openClusterFeature(server, settings.cluster));
    }
  } catch (err) {
    await wal?.close?.();
    throw err;
  }
  try {
    await server.listen();
  } catch (err) {
    await server.features.get(CLUSTER_FEATURE)?.close?.();
    await wal?.close?.();
    const e = err as NodeJS.ErrnoException;
    const what = e.code === 'EADDRINUSE' ? 'Already running! ' : '';
    throw new ConnectionError(ErrorCode.LISTEN_FAILED, `${what}Failed to start server on ${formatEndpoint(settings.endpoint)}: ${e.message}`, {
      cause: err,
    });
  }
  if (settings.http !== undefined) {
    try {
      server.features.set(HTTP_FEATURE, await openHttpFeature(server, settings.http));
    } catch (err) {
      await server.close();
      throw err;
    }
  }
  return server;
}
