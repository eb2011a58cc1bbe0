/** `serve` flags for TLS, ACLs, the allow-list and the connection limits (docs/security.md). */
import type { ServerOptions } from '../index.js';
import { fileOption as file, int, str, UsageError, type OptionSpec, type Values } from './common.js';

/** The security flags of `serve`. */
export const SERVE_SECURITY_OPTIONS: readonly OptionSpec[] = [
  { name: 'tls-uri', type: 'string', value: 'URI', description: 'also listen with TLS on af-inet://HOST:PORT (needs --tls-cert, --tls-key). Defaults to none' },
  { name: 'tls-cert', type: 'string', value: 'F', description: 'PEM certificate chain of the TLS listener. Defaults to none' },
  { name: 'tls-key', type: 'string', value: 'F', description: 'PEM private key of the TLS listener. Defaults to none' },
  { name: 'tls-ca', type: 'string', value: 'F', description: 'PEM CAs that client certificates must chain to. Defaults to the Node root store' },
  { name: 'tls-client-cert', type: 'string', value: 'required|optional', description: 'ask TLS clients for a certificate; its subject CN is the principal. Defaults to not asked' },
  { name: 'acl', type: 'string', value: 'FILE', description: 'enforce the JSON ACL FILE (docs/security.md); SIGHUP re-reads it. Defaults to none (all allowed)' },
  { name: 'allow', type: 'string', value: 'CIDR,...', description: 'accept TCP clients only from these addresses or CIDR blocks. Defaults to all' },
  { name: 'handshake-timeout', type: 'string', value: 'MS', description: 'close connections that have not finished the handshake. Defaults to 10000' },
  { name: 'idle-timeout', type: 'string', value: 'MS', description: 'close connections that sent nothing for MS (0: never). Defaults to 3 heartbeat intervals, at least 10 s, with a heartbeat, else never' },
  { name: 'frame-timeout', type: 'string', value: 'MS', description: 'close connections whose message does not complete within MS. Defaults to 60000' },
  { name: 'max-pre-auth-frame-size', type: 'string', value: 'SIZE', description: 'largest frame before the handshake completes. Defaults to 8KB' },
  { name: 'max-pending-bytes', type: 'string', value: 'SIZE', description: 'server-wide budget of bytes in partly received messages. Defaults to 256MB' },
  { name: 'max-connections-per-address', type: 'string', value: 'N', description: 'most connections from one IP address (0: no limit). Defaults to 0' },
  { name: 'allow-world-readable-credentials', type: 'boolean', description: 'load a --credentials file that everyone may read. Defaults to refused' },
  { name: 'no-plain', type: 'boolean', description: 'listen only with TLS on --tls-uri, no plain listener (Java clients cannot connect). Defaults to both' },
];

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
  if (v['no-plain'] === true && tlsUri === undefined) throw new UsageError('--no-plain needs --tls-uri');
  if (v['no-plain'] === true && (str(v, 'uri') !== undefined || str(v, 'port') !== undefined)) {
    throw new UsageError('--no-plain excludes --port and --uri');
  }
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
