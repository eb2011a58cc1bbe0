import { ArgumentError, ErrorCode } from '../errors.js';

/** Where a server listens or a client connects (WIRE §1.2). */
export type Endpoint =
  | { readonly kind: 'inet'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** The ways an endpoint can be given to `createServer` and `connect`. */
export interface EndpointOptions {
  /** `af-inet://host:port` or `af-unix:///path`. */
  readonly uri?: string;
  /** TCP port; with no host the endpoint is 127.0.0.1 (loopback only). */
  readonly port?: number;
  /** Host name or IP literal used with `port`. Defaults to 127.0.0.1. */
  readonly host?: string;
  /** Unix domain socket path. */
  readonly path?: string;
}

/** Loopback address used when only a port is given. */
export const DEFAULT_HOST = '127.0.0.1';

function invalid(msg: string): never {
  throw new ArgumentError(ErrorCode.INVALID_URI, msg);
}

function checkPort(port: number, allowZero: boolean): number {
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) {
    invalid(`Invalid port ${String(port)}: expected an integer in ${allowZero ? 0 : 1}..65535`);
  }
  return port;
}

/**
 * Parses a connection URI. Scheme is case-sensitive; `af-inet` needs host and port (IPv6 in
 * brackets); `af-unix` uses the percent-decoded path.
 */
export function parseUri(uri: string, allowPortZero = false): Endpoint {
  if (typeof uri !== 'string') invalid('A connection URI must be a string');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(uri);
  if (m === null) invalid(`Invalid connection URI '${uri}'. Use af-inet://host:port or af-unix:///path`);
  const [, scheme = '', rest = ''] = m;
  if (scheme === 'af-unix') {
    if (!rest.startsWith('/')) invalid(`Invalid af-unix URI '${uri}': the socket path must be absolute`);
    let path: string;
    try {
      path = decodeURIComponent(rest);
    } catch {
      invalid(`Invalid af-unix URI '${uri}': bad percent-encoding`);
    }
    if (path.includes('\0')) invalid(`Invalid af-unix URI '${uri}'`);
    return { kind: 'unix', path };
  }
  if (scheme !== 'af-inet') {
    invalid(`Invalid connection URI scheme '${scheme}'. Use 'af-inet://host:port' or 'af-unix:///path/file.sock'`);
  }
  const hp = /^(\[[0-9A-Fa-f:.]+\]|[^:/?#[\]@]+):([0-9]+)\/?$/.exec(rest);
  if (hp === null) invalid(`Invalid af-inet URI '${uri}': expected af-inet://host:port`);
  const host = (hp[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  return { kind: 'inet', host, port: checkPort(Number(hp[2]), allowPortZero) };
}

/** Resolves endpoint options (exactly one of uri, path, or port [+ host]). */
export function resolveEndpoint(opts: EndpointOptions, role: 'server' | 'client'): Endpoint {
  const given = [opts.uri !== undefined, opts.path !== undefined, opts.port !== undefined].filter(Boolean).length;
  if (given !== 1) invalid('Give exactly one of: uri, path, or port (with an optional host)');
  if (opts.host !== undefined && opts.port === undefined) invalid('host needs a port');
  if (opts.uri !== undefined) return parseUri(opts.uri, role === 'server');
  if (opts.path !== undefined) {
    if (typeof opts.path !== 'string' || opts.path === '') invalid('A Unix socket path must be a non-empty string');
    return { kind: 'unix', path: opts.path };
  }
  const host = opts.host === undefined || opts.host.trim() === '' ? DEFAULT_HOST : opts.host;
  return { kind: 'inet', host, port: checkPort(opts.port as number, role === 'server') };
}

/** The URI form of an endpoint. */
export function formatEndpoint(e: Endpoint): string {
  if (e.kind === 'unix') return `af-unix://${e.path}`;
  return `af-inet://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}
