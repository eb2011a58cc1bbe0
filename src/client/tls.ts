/**
 * The client's TLS transport: `connect({ tls: { ca, cert, key, servername } })` opens a TLS
 * connection and runs the Venice protocol unchanged inside it.
 */
import type { Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { ArgumentError, ConnectionError, ErrorCode } from '../errors.js';
import { formatEndpoint, type Endpoint } from '../transport/endpoint.js';

/** PEM text or bytes (one value or several). */
export type ClientPem = string | Buffer | ReadonlyArray<string | Buffer>;

/** The `tls` option of `connect`. */
export interface ClientTlsOptions {
  /** CAs to trust for the server's certificate (PEM). Defaults to Node's root store. */
  readonly ca?: ClientPem;
  /** Client certificate chain for mutual TLS (PEM; give `key` too). Defaults to none. */
  readonly cert?: ClientPem;
  /** Private key of `cert` (PEM). Defaults to none. */
  readonly key?: ClientPem;
  /** Name the server's certificate must carry (and SNI). Defaults to the endpoint's host. */
  readonly servername?: string;
}

/** Validates the `tls` option of `connect`. */
export function resolveClientTls(o: unknown): ClientTlsOptions | undefined {
  if (o === undefined) return undefined;
  if (o === null || typeof o !== 'object') throw new ArgumentError(ErrorCode.INVALID_OPTION, 'tls must be an object');
  const t = o as ClientTlsOptions;
  if ((t.cert === undefined) !== (t.key === undefined)) throw new ArgumentError(ErrorCode.INVALID_OPTION, 'tls.cert and tls.key go together');
  if (t.servername !== undefined && typeof t.servername !== 'string') throw new ArgumentError(ErrorCode.INVALID_OPTION, 'tls.servername must be a string');
  return { ...t };
}

/** True when `socket` is a TLS connection (the transport is encrypted and the server authenticated). */
export function isTlsSocket(socket: Socket): boolean {
  return (socket as Partial<TLSSocket>).encrypted === true;
}

/** Opens a TLS connection and waits for its handshake (the server's certificate is verified). */
export function openTlsSocket(e: Endpoint, timeoutMs: number, t: ClientTlsOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const base = {
      ca: t.ca as string | undefined,
      cert: t.cert as string | undefined,
      key: t.key as string | undefined,
      rejectUnauthorized: true,
    };
    const socket =
      e.kind === 'unix'
        ? tlsConnect({ ...base, path: e.path, servername: t.servername })
        : tlsConnect({ ...base, host: e.host, port: e.port, servername: t.servername ?? (/^[0-9.:]+$/.test(e.host) ? undefined : e.host) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectionError(ErrorCode.CONNECT_FAILED, `Timeout connecting with TLS to ${formatEndpoint(e)}`));
    }, timeoutMs);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(new ConnectionError(ErrorCode.CONNECT_FAILED, `TLS connection to ${formatEndpoint(e)} failed: ${err.message}`, { cause: err }));
    };
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}
