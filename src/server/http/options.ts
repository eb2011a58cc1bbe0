import { isIP } from 'node:net';
import { ArgumentError, ErrorCode } from '../../errors.js';

/** The HTTP endpoint of a server: metrics, health, status and the dashboard (docs/operations.md). */
export interface HttpOptions {
  /** TCP port; 0 picks a free one (read it from `server.httpUrl`). Defaults to 0. */
  readonly port: number;
  /** Address to bind. Anything but loopback exposes the server's figures: see docs/operations.md. Defaults to `127.0.0.1`. */
  readonly host: string;
  /** ms between the samples behind the dashboard's rates and the event stream. Defaults to 1000. */
  readonly sampleInterval: number;
  /** Samples kept for the dashboard's charts (with the default interval: the last 5 minutes). Defaults to 300. */
  readonly history: number;
  /** Dashboards connected at once (server-sent event streams); one more is answered 503. Defaults to 8. */
  readonly maxEventStreams: number;
}

/** Server option holding the HTTP endpoint. */
export interface HttpServerOptions {
  /**
   * Serve `/metrics` (Prometheus text format), `/healthz`, `/readyz`, `/status.json` and the
   * dashboard `/` over HTTP. Request latency is timed only while this is set. Defaults to none
   * (no HTTP endpoint).
   */
  readonly http?: Readonly<Partial<HttpOptions>>;
}

/** Default {@link HttpOptions.host}: loopback. */
export const DEFAULT_HTTP_HOST = '127.0.0.1';
/** Default {@link HttpOptions.port}: any free port. */
export const DEFAULT_HTTP_PORT = 0;
/** Default {@link HttpOptions.sampleInterval}, ms. */
export const DEFAULT_HTTP_SAMPLE_INTERVAL = 1000;
/** Default {@link HttpOptions.history}, samples. */
export const DEFAULT_HTTP_HISTORY = 300;
/** Default {@link HttpOptions.maxEventStreams}. */
export const DEFAULT_HTTP_MAX_EVENT_STREAMS = 8;

function bad(msg: string): never {
  throw new ArgumentError(ErrorCode.INVALID_OPTION, msg);
}

function int(v: unknown, name: string, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) bad(`http.${name} must be an integer from ${min} to ${max}`);
  return v;
}

/** Validates the `http` option once; undefined when there is none. */
export function resolveHttpSettings(o: Readonly<HttpServerOptions>): HttpOptions | undefined {
  const h = o.http;
  if (h === undefined) return undefined;
  if (h === null || typeof h !== 'object') bad('http must be an object such as { port: 9464 }');
  const host = h.host ?? DEFAULT_HTTP_HOST;
  if (typeof host !== 'string' || (isIP(host) === 0 && host !== 'localhost')) bad('http.host must be an IP address or localhost');
  return {
    port: int(h.port, 'port', DEFAULT_HTTP_PORT, 0, 65535),
    host,
    sampleInterval: int(h.sampleInterval, 'sampleInterval', DEFAULT_HTTP_SAMPLE_INTERVAL, 50, 60_000),
    history: int(h.history, 'history', DEFAULT_HTTP_HISTORY, 2, 100_000),
    maxEventStreams: int(h.maxEventStreams, 'maxEventStreams', DEFAULT_HTTP_MAX_EVENT_STREAMS, 1, 1000),
  };
}
