/**
 * The HTTP endpoint of a server (docs/operations.md): `/metrics`, `/healthz`, `/readyz`,
 * `/status.json`, the dashboard `/` and its server-sent event stream `/events`. Plugged in as a
 * ServerFeature once the IPC endpoint listens; closed with the server.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { ConnectionError, ErrorCode } from '../../errors.js';
import { walSyncChannel, type WalSyncEvent } from '../../util/diagnostics.js';
import type { ServerCore, ServerFeature } from '../core.js';
import { Histogram } from '../stats.js';
import { extendedStatus } from '../status.js';
import { WAL_FEATURE } from '../durable-queues.js';
import { DASHBOARD_HTML } from './dashboard.js';
import { METRICS_CONTENT_TYPE, writeMetrics, type WalHistograms } from './metrics.js';
import type { HttpOptions } from './options.js';

/** Name under which the feature is installed in `server.features`. */
export const HTTP_FEATURE = 'http';
/** Upper bounds (seconds) of the WAL sync histogram buckets. */
export const WAL_SYNC_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Upper bounds of the records-per-sync histogram buckets. */
export const WAL_RECORDS_BUCKETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
/** An event stream whose client reads slower than this many unsent bytes is closed. */
const MAX_STREAM_BACKLOG = 1024 * 1024;

/** One point of the dashboard's charts: rates per second over the last sample interval. */
export interface RateSample {
  /** ms since the epoch. */
  readonly t: number;
  readonly in: number;
  readonly out: number;
  readonly pushes: number;
  readonly drops: number;
  readonly errors: number;
}

/** The installed HTTP feature. */
export interface HttpFeature extends ServerFeature {
  /** `http://host:port` it listens on. */
  readonly url: string;
}

/** Counter totals at one instant (same fields as a sample, but totals instead of rates). */
type Totals = RateSample;

function totals(server: ServerCore): Totals {
  const st = server.stats;
  const tr = st.traffic.totals();
  let errors = st.responseDiscardedCount + st.authFailures;
  for (const n of st.connectionErrors.values()) errors += n;
  for (const n of st.connectionRefusals.values()) errors += n;
  return { t: Date.now(), in: tr.received, out: tr.sent, pushes: st.publishCount, drops: st.publishDiscardedCount, errors };
}

function rate(a: number, b: number, ms: number): number {
  return ms <= 0 ? 0 : Math.round(((b - a) * 1000 * 10) / ms) / 10;
}

/** Listens on `settings` and returns the feature; rejects with ConnectionError LISTEN_FAILED. */
export async function openHttpFeature(server: ServerCore, settings: HttpOptions): Promise<HttpFeature> {
  server.stats.requestLatency ??= [];
  const walDir = server.settings.wal === undefined ? undefined : resolve(server.settings.wal.dir);
  let wal: WalHistograms | undefined;
  const onSync = (e: WalSyncEvent): void => {
    if (resolve(e.dir) !== walDir || wal === undefined) return;
    wal.syncSeconds.observe(e.durationMs / 1000);
    wal.recordsPerSync.observe(e.records);
  };
  if (walDir !== undefined) {
    wal = { syncSeconds: new Histogram(WAL_SYNC_BUCKETS), recordsPerSync: new Histogram(WAL_RECORDS_BUCKETS) };
    walSyncChannel.subscribe(onSync);
  }

  const history: RateSample[] = [];
  let last = totals(server);
  const streams = new Set<ServerResponse>();
  const sendEvent = (res: ServerResponse, data: unknown): void => {
    if (res.writableLength > MAX_STREAM_BACKLOG) {
      res.destroy(); // a dashboard that does not read: drop it rather than buffer without bound
      return;
    }
    res.write(`data: ${JSON.stringify(data)}\n\n`);
  };
  const timer = setInterval(() => {
    const now = totals(server);
    const ms = now.t - last.t;
    const sample: RateSample = {
      t: now.t,
      in: rate(last.in, now.in, ms),
      out: rate(last.out, now.out, ms),
      pushes: rate(last.pushes, now.pushes, ms),
      drops: rate(last.drops, now.drops, ms),
      errors: rate(last.errors, now.errors, ms),
    };
    last = now;
    history.push(sample);
    if (history.length > settings.history) history.shift();
    if (streams.size === 0) return;
    const status = extendedStatus(server, undefined);
    for (const res of streams) sendEvent(res, { status, sample });
  }, settings.sampleInterval);
  timer.unref();

  const ready = (): boolean => server.running && (walDir === undefined || server.features.has(WAL_FEATURE));

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const text = (code: number, type: string, body: string): void => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body);
    };
    switch (path) {
      case '/metrics':
        text(200, METRICS_CONTENT_TYPE, writeMetrics(server, wal));
        return;
      case '/healthz':
        if (server.running) text(200, 'text/plain', 'ok\n');
        else text(503, 'text/plain', 'closing\n');
        return;
      case '/readyz':
        if (ready()) text(200, 'text/plain', 'ready\n');
        else text(503, 'text/plain', 'not ready\n');
        return;
      case '/status.json':
        text(200, 'application/json', JSON.stringify({ ...extendedStatus(server, undefined), uri: server.stats.server, history }));
        return;
      case '/':
      case '/index.html':
        text(200, 'text/html; charset=utf-8', DASHBOARD_HTML);
        return;
      case '/events':
        if (streams.size >= settings.maxEventStreams) {
          text(503, 'text/plain', `at most ${settings.maxEventStreams} dashboards at once\n`);
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        streams.add(res);
        res.on('close', () => streams.delete(res));
        sendEvent(res, { status: extendedStatus(server, undefined), uri: server.stats.server, history, interval: settings.sampleInterval });
        return;
      default:
        text(404, 'text/plain', 'not found: try /, /metrics, /healthz, /readyz, /status.json\n');
    }
  };

  const http = createHttpServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      // A bug in a figure must not take the server down: answer 500 and keep serving.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  });
  const stop = (): void => {
    clearInterval(timer);
    if (wal !== undefined) walSyncChannel.unsubscribe(onSync);
  };
  try {
    await new Promise<void>((ok, fail) => {
      http.once('error', fail);
      http.listen({ host: settings.host, port: settings.port }, () => {
        http.off('error', fail);
        ok();
      });
    });
  } catch (err) {
    stop();
    throw new ConnectionError(ErrorCode.LISTEN_FAILED, `Failed to start the HTTP endpoint on ${settings.host}:${settings.port}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const addr = http.address();
  const port = addr !== null && typeof addr === 'object' ? addr.port : settings.port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return {
    url: `http://${host}:${port}`,
    async close(): Promise<void> {
      stop();
      for (const res of streams) res.end();
      const closed = new Promise<void>((ok) => http.close(() => ok()));
      http.closeAllConnections();
      await closed;
    },
  };
}
