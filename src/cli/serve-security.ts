/** `serve` flags for TLS, ACLs, the allow-list and the connection limits (docs/security.md). */
import type { ServerOptions } from '../index.js';
import { fileOption as file, int, str, UsageError, type Values } from './common.js';

/** parseArgs options of the security flags of `serve`. */
export const SERVE_SECURITY_OPTIONS = {
  'tls-uri': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-client-cert': { type: 'string' },
  acl: { type: 'string' },
  allow: { type: 'string' },
  'handshake-timeout': { type: 'string' },
  'idle-timeout': { type: 'string' },
  'frame-timeout': { type: 'string' },
  'max-pre-auth-frame-size': { type: 'string' },
  'max-pending-bytes': { type: 'string' },
  'max-connections-per-address': { type: 'string' },
  'allow-world-readable-credentials': { type: 'boolean' },
} as const;

/** Usage text of {@link SERVE_SECURITY_OPTIONS}. */
export const SERVE_SECURITY_USAGE =
  '[--tls-uri URI --tls-cert F --tls-key F [--tls-ca F] [--tls-client-cert required|optional]] [--acl FILE] [--allow CIDR,...] ' +
  '[--handshake-timeout MS] [--idle-timeout MS] [--frame-timeout MS] [--max-pre-auth-frame-size SIZE] [--max-pending-bytes SIZE] ' +
  '[--max-connections-per-address N] [--allow-world-readable-credentials]';

/** The server options the security flags ask for. */
export function serveSecurityOptions(v: Values): Partial<ServerOptions> {
  const tlsUri = str(v, 'tls-uri');
  const cert = file(v, 'tls-cert');
  const key = file(v, 'tls-key');
  const ca = file(v, 'tls-ca');
  const clientCert = str(v, 'tls-client-cert');
  if (tlsUri === undefined && (cert !== undefined || key !== undefined || ca !== undefined || clientCert !== undefined)) {
    throw new UsageError('--tls-cert, --tls-key, --tls-ca and --tls-client-cert need --tls-uri');
  }
  if (tlsUri !== undefined && (cert === undefined || key === undefined)) throw new UsageError('--tls-uri needs --tls-cert and --tls-key');
  if (clientCert !== undefined && clientCert !== 'required' && clientCert !== 'optional') {
    throw new UsageError('--tls-client-cert must be required or optional');
  }
  const size = (name: string): string | number | undefined => {
    const x = str(v, name);
    return x === undefined ? undefined : /^[0-9]+$/.test(x) ? Number(x) : x;
  };
  const opts: Record<string, unknown> = {
    tls:
      tlsUri === undefined
        ? undefined
        : { uri: tlsUri, cert, key, ...(ca !== undefined ? { ca } : {}), ...(clientCert !== undefined ? { clientCert } : {}) },
    acl: str(v, 'acl'),
    allow: str(v, 'allow'),
    handshakeTimeout: int(v, 'handshake-timeout'),
    idleTimeout: int(v, 'idle-timeout'),
    frameTimeout: int(v, 'frame-timeout'),
    maxPreAuthFrameSize: size('max-pre-auth-frame-size'),
    maxPendingBytes: size('max-pending-bytes'),
    maxConnectionsPerAddress: int(v, 'max-connections-per-address'),
  };
  for (const k of Object.keys(opts)) if (opts[k] === undefined) delete opts[k];
  return opts as Partial<ServerOptions>;
}

/** Reloads the ACL on SIGHUP (when `--acl` was given); returns the function that stops listening. */
export function reloadAclOnSighup(server: { reloadAcl(): Promise<void> }, acl: string | undefined): () => void {
  if (acl === undefined) return () => undefined;
  const onHup = (): void => {
    server.reloadAcl().then(
      () => process.stderr.write(`reloaded the ACL ${acl}\n`),
      (err: unknown) => process.stderr.write(`ACL not reloaded, the old one stays: ${(err as Error).message}\n`),
    );
  };
  process.on('SIGHUP', onHup);
  return () => process.off('SIGHUP', onHup);
}
