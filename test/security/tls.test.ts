/**
 * TLS: certificates made at test time with openssl in a temporary folder (never committed).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { connect, ErrorCode, isIpcError, plainTextMessage } from '../../src/index.js';
import { testServer } from '../helpers/secure-peer.js';

let dir = '';
const pem: Record<string, string> = {};

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, a server certificate for 127.0.0.1/localhost, a client certificate (CN=alice), and an unrelated CA. */
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vipc-tls-'));
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const ca of ['ca', 'other-ca']) {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '1', '-subj', `/CN=${ca}`);
  }
  for (const [name, cn, ext] of [['server', 'localhost', 'server.ext'], ['client', 'alice', undefined]] as const) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1',
      ...(ext === undefined ? [] : ['-extfile', ext]));
  }
  for (const f of ['ca.crt', 'other-ca.crt', 'server.crt', 'server.key', 'client.crt', 'client.key']) pem[f] = readFileSync(join(dir, f), 'utf8');
});

after(() => rmSync(dir, { recursive: true, force: true }));

function tlsOption(clientCert?: 'optional' | 'required'): { tls: { port: number; cert: string; key: string; ca: string; clientCert?: 'optional' | 'required' } } {
  return { tls: { port: 0, cert: pem['server.crt'] as string, key: pem['server.key'] as string, ca: pem['ca.crt'] as string, ...(clientCert ? { clientCert } : {}) } };
}

test('TLS: a client trusting the CA is served; one without trust is refused; the plain listener still works', async () => {
  await using t = await testServer(tlsOption());
  assert.ok(t.server.tlsUri !== undefined && t.server.tlsUri !== t.server.uri);
  {
    await using c = await connect({ uri: t.server.tlsUri, tls: { ca: pem['ca.crt'] as string } });
    assert.equal((await c.send(plainTextMessage('1', 't', 'over tls'))).text, 'over tls');
    assert.equal(c.serverConfig.encrypt, false);
  }
  for (const tls of [{}, { ca: pem['other-ca.crt'] as string }, { ca: pem['ca.crt'] as string, servername: 'example.org' }]) {
    await assert.rejects(connect({ uri: t.server.tlsUri, tls, handshakeTimeout: 3000 }), (e: unknown) => isIpcError(e, ErrorCode.CONNECT_FAILED));
  }
  // the Venice 1.12.71 plain listener on its own port is unchanged
  await using plain = await connect({ uri: t.server.uri });
  assert.equal((await plain.send(plainTextMessage('1', 't', 'plain'))).text, 'plain');
  // a plain client on the TLS port does not get in
  await assert.rejects(connect({ uri: t.server.tlsUri, handshakeTimeout: 1000 }), (e: unknown) => isIpcError(e));
});

test('mutual TLS: the client certificate subject is the principal, no password needed; no certificate, no entry', async () => {
  let principal = '';
  await using t = await testServer({
    ...tlsOption('required'),
    encrypt: true,
    authenticator: await createAuthenticator({ bob: 'pw' }),
    handler: (m, ctx) => {
      principal = ctx.principal;
      return m;
    },
  });
  const uri = t.server.tlsUri as string;
  {
    await using c = await connect({ uri, tls: { ca: pem['ca.crt'] as string, cert: pem['client.crt'] as string, key: pem['client.key'] as string } });
    assert.equal(c.serverConfig.authentication, false);
    assert.equal((await c.send(plainTextMessage('1', 't', 'x'))).text, 'x');
    assert.equal(principal, 'alice');
  }
  await assert.rejects(
    (async () => {
      const c = await connect({ uri, tls: { ca: pem['ca.crt'] as string }, handshakeTimeout: 3000 });
      await c.send(plainTextMessage('1', 't', 'x'));
    })(),
    (e: unknown) => isIpcError(e),
  );
});

test('TLS with optional client certificates: without one the client logs in with a password, without Venice encryption', async () => {
  let principal = '';
  await using t = await testServer({
    ...tlsOption('optional'),
    encrypt: true,
    authenticator: await createAuthenticator({ bob: 'pw' }),
    handler: (m, ctx) => {
      principal = ctx.principal;
      return m;
    },
  });
  await using c = await connect({ uri: t.server.tlsUri as string, tls: { ca: pem['ca.crt'] as string }, userName: 'bob', password: 'pw' });
  assert.equal(c.serverConfig.encrypt, false);
  assert.equal(c.serverConfig.authentication, true);
  assert.equal((await c.send(plainTextMessage('1', 't', 'x'))).text, 'x');
  assert.equal(principal, 'bob');
  // a bad certificate or key is a coded option error at start
  const { createServer } = await import('../../src/index.js');
  await assert.rejects(createServer({ port: 0, tls: { port: 0, cert: 'not a certificate', key: pem['server.key'] as string } }), (e: unknown) =>
    isIpcError(e, ErrorCode.INVALID_OPTION),
  );
});
