/**
 * The connection to the engine (NATS with JetStream). This is the only file that imports the
 * `nats` package; it is loaded by a dynamic import from `createServer` only when the `cluster`
 * option is set, so the embedded mode never loads it.
 */
import { readFile } from 'node:fs/promises';
import { debuglog } from 'node:util';
import {
  connect,
  credsAuthenticator,
  headers,
  NatsError,
  type ConnectionOptions,
  type JetStreamClient,
  type JetStreamManager,
  type MsgHdrs,
  type NatsConnection,
} from 'nats';
import { ClusterError, ErrorCode } from '../errors.js';
import type { ClusterSettings } from './options.js';

const debug = debuglog('venice-ipc');

/** An open engine connection with its JetStream contexts. */
export interface Engine {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly settings: ClusterSettings;
  /** True while the NATS connection is up (false while it reconnects). */
  readonly connected: boolean;
  /** A header set with one entry. */
  header(name: string, value: string): MsgHdrs;
  close(): Promise<void>;
}

/** JetStream API error code: the stream is full and discards new messages ("maximum messages exceeded"). */
export const JS_ERR_STREAM_FULL = 10077;
/** JetStream API error code: stream not found. */
export const JS_ERR_STREAM_NOT_FOUND = 10059;
/** JetStream API error code: a stream of that name exists with another configuration. */
export const JS_ERR_STREAM_NAME_IN_USE = 10058;

/**
 * Connects to the NATS servers of `settings` and checks JetStream. Rejects with ClusterError
 * CLUSTER_CONNECT_FAILED when no server answers or JetStream is not enabled. Once connected,
 * the client reconnects forever (every 250 ms) while the server runs.
 */
export async function openEngine(settings: ClusterSettings): Promise<Engine> {
  const opts: ConnectionOptions = {
    servers: [...settings.servers],
    name: settings.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    timeout: settings.requestTimeout,
    ...(await credentialOptions(settings)),
  };
  let nc: NatsConnection;
  try {
    nc = await connect(opts);
  } catch (err) {
    throw new ClusterError(ErrorCode.CLUSTER_CONNECT_FAILED, `Cannot reach the cluster engine at ${settings.servers.join(',')}: ${String(err)}`, { cause: err });
  }
  let jsm: JetStreamManager;
  try {
    jsm = await nc.jetstreamManager({ timeout: settings.requestTimeout });
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw new ClusterError(ErrorCode.CLUSTER_CONNECT_FAILED, `The NATS server has no JetStream (start it with -js): ${String(err)}`, { cause: err });
  }
  let connected = true;
  void (async () => {
    for await (const s of nc.status()) {
      const type: string = s.type;
      if (type === 'disconnect') connected = false;
      else if (type === 'reconnect') connected = true;
      debug('cluster engine: %s %s', type, JSON.stringify(s.data));
    }
  })().catch((err: unknown) => debug('cluster status loop ended: %s', String(err))); // ends when the connection closes
  return {
    nc,
    js: nc.jetstream({ timeout: settings.requestTimeout }),
    jsm,
    settings,
    get connected() {
      return connected && !nc.isClosed();
    },
    header(name, value) {
      const h = headers();
      h.set(name, value);
      return h;
    },
    async close() {
      if (nc.isClosed()) return;
      // A drain can wait for a reconnect that never comes: bounded, then closed.
      const drained = await withTimeout(nc.drain(), settings.requestTimeout).then(() => !nc.isClosed(), () => true);
      if (drained) await nc.close().catch(() => undefined);
    },
  };
}

async function credentialOptions(s: ClusterSettings): Promise<Partial<ConnectionOptions>> {
  const c = s.credentials;
  if (c === undefined) return {};
  if (typeof c === 'string') {
    let bytes: Buffer;
    try {
      bytes = await readFile(c);
    } catch (err) {
      throw new ClusterError(ErrorCode.CLUSTER_CONNECT_FAILED, `Cannot read the NATS credentials file ${c}: ${String(err)}`, { cause: err });
    }
    return { authenticator: credsAuthenticator(new Uint8Array(bytes)) };
  }
  return 'token' in c ? { token: c.token } : { user: c.user, pass: c.pass };
}

/** Resolves or rejects with `p`, or resolves undefined after `ms` (its timer never keeps the process alive). */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** The JetStream API error code of `err`, if it is one. */
export function apiErrorCode(err: unknown): number | undefined {
  return err instanceof NatsError ? err.api_error?.err_code : undefined;
}

/** True for the errors that mean "no stream listens on this subject" / "stream gone". */
export function isNoStream(err: unknown): boolean {
  if (!(err instanceof NatsError)) return false;
  // A JetStream API error carries an HTTP-like code too (503 for "maximum messages exceeded"): look at err_code then.
  if (err.api_error !== undefined) return err.api_error.err_code === JS_ERR_STREAM_NOT_FOUND;
  return err.code === '503' || err.code === '404';
}

/** Maps an engine failure to a coded error: unreachable/timeout → CLUSTER_UNAVAILABLE, else CLUSTER_ENGINE. */
export function engineError(what: string, err: unknown): ClusterError {
  if (err instanceof ClusterError) return err;
  const code = err instanceof NatsError ? err.code : '';
  const unavailable =
    code === 'TIMEOUT' || code === 'CONNECTION_CLOSED' || code === 'DISCONNECT' || code === 'CONNECTION_DRAINING' || code === 'CANCELLED' || code === '503';
  const c = unavailable ? ErrorCode.CLUSTER_UNAVAILABLE : ErrorCode.CLUSTER_ENGINE;
  // The code is in the text too: a client sees only the text of the HANDLER_ERROR response.
  const why = unavailable ? 'the cluster engine did not answer (not confirmed)' : 'refused by the cluster engine';
  return new ClusterError(c, `${what}: ${why}: ${err instanceof Error ? err.message : String(err)} [${c}]`, { cause: err });
}
