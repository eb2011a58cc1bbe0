/**
 * Test certificates made at run time with openssl in a temporary folder (never committed):
 * a CA, a server certificate for 127.0.0.1/localhost, a client certificate (CN=alice), and an
 * unrelated CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** File names (in `dir`) and PEM contents of the certificates. */
export interface TestCerts {
  readonly dir: string;
  readonly pem: Readonly<Record<'ca.crt' | 'other-ca.crt' | 'server.crt' | 'server.key' | 'client.crt' | 'client.key', string>>;
  cleanup(): void;
}

/** Makes the certificates (a few hundred ms). */
export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'vipc-tls-'));
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const ca of ['ca', 'other-ca']) {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '1', '-subj', `/CN=${ca}`);
  }
  for (const [name, cn, ext] of [['server', 'localhost', 'server.ext'], ['client', 'alice', undefined]] as const) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1',
      ...(ext === undefined ? [] : ['-extfile', ext]));
  }
  const pem = {} as Record<keyof TestCerts['pem'], string>;
  for (const f of ['ca.crt', 'other-ca.crt', 'server.crt', 'server.key', 'client.crt', 'client.key'] as const) pem[f] = readFileSync(join(dir, f), 'utf8');
  return { dir, pem, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
