/**
 * TLS: certificates made at test time with openssl in a temporary folder (never committed).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { connect as netConnect, type Socket } from 'node:net';
import { connect, ErrorCode, isIpcError, parseUri, plainTextMessage } from '../../src/index.js';
import { makeCerts, type TestCerts } from '../helpers/certs.js';
import { testServer } from '../helpers/secure-peer.js';

let certs: TestCerts;
let pem: TestCerts['pem'];
before(() => {
  certs = makeCerts();
  pem = certs.pem;
});
after(() => certs.cleanup());

function tlsOption(clientCert?: 'optional' | 'required'): { tls: { port: number; cert: string; key: string; ca: string; clientCert?: 'optional' | 'required' } } {
  return { tls: { port: 0, cert: pem['server.crt'], key: pem['server.key'], ca: pem['ca.crt'], ...(clientCert ? { clientCert } : {}) } };
}

test('TLS: a client trusting the CA is served; one without trust is refused; the plain listener still works', async () => {
  await using t = await testServer(tlsOption());
  assert.ok(t.server.tlsUri !== undefined && t.server.tlsUri !== t.server.uri);
  {
    await using c = await connect({ uri: t.server.tlsUri, tls: { ca: pem['ca.crt'] } });
    assert.equal((await c.send(plainTextMessage('1', 't', 'over tls'))).text, 'over tls');
    assert.equal(c.serverConfig.encrypt, false);
  }
  for (const tls of [{}, { ca: pem['other-ca.crt'] }, { ca: pem['ca.crt'], servername: 'example.org' }]) {
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
  const uri = t.server.tlsUri;
  {
    await using c = await connect({ uri, tls: { ca: pem['ca.crt'], cert: pem['client.crt'], key: pem['client.key'] } });
    assert.equal(c.serverConfig.authentication, false);
    assert.equal((await c.send(plainTextMessage('1', 't', 'x'))).text, 'x');
    assert.equal(principal, 'alice');
  }
  await assert.rejects(
    (async () => {
      const c = await connect({ uri, tls: { ca: pem['ca.crt'] }, handshakeTimeout: 3000 });
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
  await using c = await connect({ uri: t.server.tlsUri, tls: { ca: pem['ca.crt'] }, userName: 'bob', password: 'pw' });
  assert.equal(c.serverConfig.encrypt, false);
  assert.equal(c.serverConfig.authentication, true);
  assert.equal((await c.send(plainTextMessage('1', 't', 'x'))).text, 'x');
  assert.equal(principal, 'bob');
  // a bad certificate or key is a coded option error at start
  const { createServer } = await import('../../src/index.js');
  await assert.rejects(createServer({ port: 0, tls: { port: 0, cert: 'not a certificate', key: pem['server.key'] } }), (e: unknown) =>
    isIpcError(e, ErrorCode.INVALID_OPTION),
  );
});

test('TLS port: silent sockets do not keep a TLS client out; the allow-list applies before the TLS handshake', async () => {
  await using t = await testServer({ ...tlsOption(), maxConnections: 5, handshakeTimeout: 5000 });
  const e = parseUri(t.server.tlsUri ?? '');
  assert.equal(e.kind, 'inet');
  const silent = await Promise.all(
    Array.from({ length: 10 }, () => new Promise<Socket>((resolve, reject) => {
      const s = netConnect({ host: e.kind === 'inet' ? e.host : '', port: e.kind === 'inet' ? e.port : 0 });
      s.on('error', () => undefined);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    })),
  );
  const start = Date.now();
  await using c = await connect({ uri: t.server.tlsUri, tls: { ca: pem['ca.crt'] }, handshakeTimeout: 3000 });
  assert.equal((await c.send(plainTextMessage('1', 't', 'in'))).text, 'in');
  assert.ok(Date.now() - start < 3000);
  for (const s of silent) s.destroy();
  await using denied = await testServer({ ...tlsOption(), allow: '10.0.0.0/8' });
  await assert.rejects(connect({ uri: denied.server.tlsUri, tls: { ca: pem['ca.crt'] }, handshakeTimeout: 2000 }), (err: unknown) =>
    isIpcError(err, ErrorCode.CONNECT_FAILED),
  );
});

test('TLS instead of the plain listener: tls without uri/port/path; a login needs no Venice encryption there', async () => {
  const { createServer } = await import('../../src/index.js');
  let principal = '';
  await using server = await createServer({
    tls: { port: 0, cert: pem['server.crt'], key: pem['server.key'] },
    authenticator: await createAuthenticator({ bob: 'pw' }),
    handler: (m, ctx) => {
      principal = ctx.principal;
      return m;
    },
  });
  assert.equal(server.tlsUri, server.uri);
  await using c = await connect({ uri: server.uri, tls: { ca: pem['ca.crt'] }, userName: 'bob', password: 'pw' });
  assert.equal(c.serverConfig.encrypt, false);
  assert.equal((await c.send(plainTextMessage('1', 't', 'x'))).text, 'x');
  assert.equal(principal, 'bob');
  await assert.rejects(connect({ uri: server.uri, handshakeTimeout: 1000 }), (e: unknown) => isIpcError(e)); // no plain listener
});
