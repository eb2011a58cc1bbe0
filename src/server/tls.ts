/**
 * The server's TLS listener: the Venice wire protocol unchanged inside TLS, for Node clients
 * (Venice 1.12.71 Java clients keep the plain listener). Optional client certificates; a
 * verified certificate's subject CN becomes the connection's principal.
 */
import type { Socket } from 'node:net';
import { createSecureContext, createServer as tlsCreateServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { ArgumentError, ErrorCode } from '../errors.js';
import { resolveEndpoint, type Endpoint } from '../transport/endpoint.js';

/** PEM text or bytes (one value or several, as node:tls takes them). */
export type Pem = string | Buffer | ReadonlyArray<string | Buffer>;

/** The `tls` option of `createServer`. */
export interface ServerTlsOptions {
  /** Where the TLS listener binds, `af-inet://host:port` (port 0 = any). Defaults to none (give uri or port). */
  readonly uri?: string;
  /** TCP port of the TLS listener, on `host`. Defaults to none (give uri or port). */
  readonly port?: number;
  /** Host for `port`. Defaults to 127.0.0.1. */
  readonly host?: string;
  /** The server's certificate chain (PEM). Required. Defaults to none. */
  readonly cert: Pem;
  /** The server's private key (PEM). Required. Defaults to none. */
  readonly key: Pem;
  /** CAs that client certificates must chain to (PEM). Defaults to Node's root store. */
  readonly ca?: Pem;
  /**
   * Ask clients for a certificate: `'required'` refuses clients without a valid one,
   * `'optional'` accepts them without (they log in with a password as usual). Defaults to `'none'`.
   */
  readonly clientCert?: 'none' | 'optional' | 'required';
}

/** Validated TLS settings. */
export interface ServerTlsSettings {
  readonly endpoint: Endpoint;
  readonly cert: Pem;
  readonly key: Pem;
  readonly ca: Pem | undefined;
  readonly clientCert: 'none' | 'optional' | 'required';
}

function bad(msg: string, cause?: unknown): never {
  throw new ArgumentError(ErrorCode.INVALID_OPTION, msg, { cause });
}

/** Validates the `tls` option: endpoint, and a certificate and key node:tls accepts. */
export function resolveServerTls(o: Readonly<ServerTlsOptions>): ServerTlsSettings {
  if (o === null || typeof o !== 'object') bad('tls must be an object with cert and key');
  if (o.cert === undefined || o.key === undefined) bad('tls needs cert and key (PEM)');
  const clientCert = o.clientCert ?? 'none';
  if (clientCert !== 'none' && clientCert !== 'optional' && clientCert !== 'required') {
    bad("tls.clientCert must be 'none', 'optional' or 'required'");
  }
  const endpoint = resolveEndpoint({ uri: o.uri, port: o.port, host: o.host }, 'server');
  try {
    createSecureContext({ cert: o.cert as string, key: o.key as string, ca: o.ca as string | undefined });
  } catch (err) {
    // node:tls names the defect (e.g. "no start line"); never the key itself.
    bad(`tls: the certificate, key or CA is not usable: ${(err as Error).message}`, err);
  }
  return { endpoint, cert: o.cert, key: o.key, ca: o.ca, clientCert };
}

/**
 * Creates the TLS server; `onSocket` gets each connection after its TLS handshake. Before
 * that, `admitRaw` may refuse the TCP connection (allow-list), and at most `maxHandshakes`
 * TLS handshakes run at once: one more closes the oldest still in its handshake, so silent
 * sockets cannot keep clients out of the TLS port either.
 */
export function createTlsListener(
  s: ServerTlsSettings,
  handshakeTimeout: number,
  maxHandshakes: number,
  admitRaw: (socket: Socket) => boolean,
  onSocket: (socket: Socket) => void,
): TlsServer {
  // Raw sockets still in the TLS handshake, oldest first, by remote address and port (the
  // TLS socket of a finished handshake has the same ones).
  const handshaking = new Map<string, Socket>();
  const keyOf = (s: Socket): string => `${s.remoteAddress ?? ''}|${s.remotePort ?? ''}`;
  const server = tlsCreateServer(
    {
      cert: s.cert as string,
      key: s.key as string,
      ca: s.ca as string | undefined,
      requestCert: s.clientCert !== 'none',
      rejectUnauthorized: s.clientCert === 'required',
      // An unfinished TLS handshake is as unauthenticated as a silent socket.
      handshakeTimeout: handshakeTimeout > 0 ? handshakeTimeout : 120_000,
    },
    (socket) => {
      handshaking.delete(keyOf(socket));
      socket.setNoDelay(true);
      onSocket(socket);
    },
  );
  server.on('connection', (raw: Socket) => {
    if (!admitRaw(raw)) {
      raw.destroy();
      return;
    }
    if (handshaking.size >= maxHandshakes) {
      const oldest = handshaking.entries().next();
      if (oldest.done !== true) {
        handshaking.delete(oldest.value[0]);
        oldest.value[1].destroy();
      }
    }
    const key = keyOf(raw);
    handshaking.set(key, raw);
    raw.once('close', () => {
      if (handshaking.get(key) === raw) handshaking.delete(key);
    });
  });
  server.on('tlsClientError', () => undefined); // a failed TLS handshake only concerns that socket
  return server;
}

/** True when `socket` is a TLS connection. */
export function isTlsSocket(socket: Socket): boolean {
  return (socket as Partial<TLSSocket>).encrypted === true;
}

/** The subject CN of a verified client certificate, or undefined. */
export function certificatePrincipal(socket: Socket): string | undefined {
  const t = socket as Partial<TLSSocket>;
  if (t.encrypted !== true || t.authorized !== true || typeof t.getPeerCertificate !== 'function') return undefined;
  const cert = t.getPeerCertificate();
  const cn = cert.subject?.CN as string | string[] | undefined;
  const name = Array.isArray(cn) ? cn[0] : cn;
  return typeof name === 'string' && name !== '' ? name : undefined;
}
