/**
 * Login end to end: enforcement before login, failures (delayed, limited per connection),
 * the Java texts, and what the client refuses to do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as netCreateServer, type AddressInfo, type Socket } from 'node:net';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { connect, createServer, ErrorCode, isIpcError, MessageType, plainTextMessage, type Message } from '../../src/index.js';
import { FrameDecoder, type RawFrame } from '../../src/protocol/frame-decoder.js';
import { authFailureDelay } from '../../src/server/security.js';
import { jsonResponse } from '../../src/server/responses.js';
import { MessageCodec } from '../../src/transport/message-codec.js';
import { SecurePeer, testServer } from '../helpers/secure-peer.js';

const creds = { tom: '3,kio' };

test('a client with the right credentials logs in; the handler sees the principal', async () => {
  const authenticator = await createAuthenticator(creds);
  let principal = '';
  await using t = await testServer({
    encrypt: true,
    authenticator,
    handler: (m, ctx) => {
      principal = ctx.principal;
      return m;
    },
  });
  await using client = await connect({ uri: t.server.uri, userName: 'tom', password: '3,kio' });
  assert.equal(client.serverConfig.authentication, true);
  assert.equal((await client.send(plainTextMessage('1', 'test', 'hello'))).text, 'hello');
  assert.equal(principal, 'tom');
});

test('createServer refuses an active authenticator without encryption (Java text)', async () => {
  const authenticator = await createAuthenticator(creds);
  await assert.rejects(createServer({ port: 0, authenticator }), (err: unknown) => {
    assert.ok(isIpcError(err, ErrorCode.INVALID_OPTION));
    assert.equal(
      err.message,
      'Please enable encryption with an active authenticator to securely transfer the credentials freom a client to the server!',
    );
    return true;
  });
  // an inactive one is accepted and lets everyone in
  authenticator.setActive(false);
  await using t = await testServer({ authenticator });
  await using client = await connect({ uri: t.server.uri });
  assert.equal(client.serverConfig.authentication, false);
});

test('wrong credentials: NO_PERMISSION with an empty payload, then AUTH_FAILED on connect', async () => {
  await using t = await testServer({ encrypt: true, authenticator: await createAuthenticator(creds), authFailureDelay: 1 });
  await assert.rejects(connect({ uri: t.server.uri, userName: 'tom', password: 'wrong' }), (err: unknown) => {
    assert.ok(isIpcError(err, ErrorCode.AUTH_FAILED));
    assert.equal(err.message, 'Authentication failure! Bad user credentials!');
    return true;
  });
  await assert.rejects(connect({ uri: t.server.uri }), (err: unknown) => isIpcError(err, ErrorCode.AUTH_REQUIRED));
  const peer = await SecurePeer.open(t.server);
  await peer.exchangeKeys();
  for (const [user, pw] of [['tom', 'wrong'], ['nobody', '3,kio'], ['tom', '3,kio\nthird line']]) {
    const res = await peer.login(user as string, pw as string);
    assert.equal(res.status, 'NO_PERMISSION');
    assert.equal(res.data.length, 0);
    assert.deepEqual(res.topics, ['authentication']);
  }
  await peer.closed(); // the third failure closes the connection
  await t.stillServes({ userName: 'tom', password: '3,kio' });
});

test('requests before login get NO_PERMISSION "Authentication is required!"; one-way ones are dropped', async () => {
  await using t = await testServer({ encrypt: true, authenticator: await createAuthenticator(creds), authFailureDelay: 1 });
  const peer = await SecurePeer.open(t.server);
  await peer.exchangeKeys();
  peer.send({ payload: 'one-way before login', oneway: true });
  for (const type of [0, 61, 62]) {
    peer.send({ type, payload: 'before login' });
    const res = await peer.next();
    assert.equal(res.status, 'NO_PERMISSION');
    assert.equal(res.text, 'Authentication is required!');
  }
  assert.equal((await peer.login('tom', '3,kio')).status, 'OK');
  peer.send({ payload: 'after login' });
  assert.equal((await peer.next()).text, 'after login'); // the dropped one-way request left no answer
  // a failed re-login de-authenticates (the state is the latest attempt)
  assert.equal((await peer.login('tom', 'nope')).status, 'NO_PERMISSION');
  peer.send({ payload: 'again' });
  assert.equal((await peer.next()).status, 'NO_PERMISSION');
  // a non-text login is a BAD_REQUEST, not a failure
  const bad = await peer.login('tom', '3,kio', 'application/json');
  assert.equal(bad.status, 'BAD_REQUEST');
  assert.equal(bad.text, 'Request AUTHENTICATION: Expected a text payload');
  // CRLF and a trailing line end are accepted (the §3 line rule)
  assert.equal((await peer.login('tom', '3,kio\n')).status, 'OK');
  peer.destroy();
});

test('logins after failures wait, growing, right or wrong, and the connection closes after maxAuthFailures', async () => {
  const base = 60;
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => authFailureDelay(base, n)), [60, 120, 240, 480, 960, 960]);
  await using t = await testServer({ encrypt: true, authenticator: await createAuthenticator(creds), authFailureDelay: base, maxAuthFailures: 4 });
  const peer = await SecurePeer.open(t.server);
  await peer.exchangeKeys();
  const times: number[] = [];
  let lastAnswer = 0;
  const err = t.nextError();
  for (let i = 1; i <= 4; i++) {
    const start = performance.now();
    assert.equal((await peer.login('tom', `guess-${i}`)).status, 'NO_PERMISSION');
    times.push(performance.now() - start);
    lastAnswer = performance.now();
  }
  assert.equal(await err, ErrorCode.AUTH_FAILED);
  await peer.closed(2000);
  // The n-th attempt waits for the slot left by the (n-1)-th failure of this user and address.
  for (let i = 0; i < 4; i++) {
    const want = i === 0 ? 0 : authFailureDelay(base, i);
    assert.ok((times[i] as number) >= want - 5, `attempt ${i + 1} took ${times[i]} ms, want >= ${want}`);
    assert.ok((times[i] as number) < want + 1500, `attempt ${i + 1} took ${times[i]} ms`);
  }
  // The right password waits just as long on a new connection: no early answer tells it apart.
  await t.stillServes({ userName: 'tom', password: '3,kio' });
  const took = performance.now() - lastAnswer;
  assert.ok(took >= authFailureDelay(base, 4) - 50, `the right password was answered ${took} ms after the last failure`);
});

test('AUTHENTICATION to a server without authenticator is answered OK (as Java)', async () => {
  await using t = await testServer({ encrypt: true });
  const peer = await SecurePeer.open(t.server);
  await peer.exchangeKeys();
  assert.equal((await peer.login('anyone', 'anything')).status, 'OK');
  await assert.rejects(connect({ uri: t.server.uri, userName: 'a', password: 'b' }), (err: unknown) =>
    isIpcError(err, ErrorCode.AUTH_NOT_ENABLED),
  );
  peer.destroy();
});

/** A fake server answering CLIENT_CONFIG with `config` and recording the types it receives. */
async function fakeServer(config: Record<string, unknown>): Promise<{ uri: string; types: number[]; close(): Promise<void> }> {
  const types: number[] = [];
  const sockets = new Set<Socket>();
  const srv = netCreateServer((s) => {
    sockets.add(s);
    const codec = new MessageCodec(1 << 20);
    const dec = new FrameDecoder(codec.frameLimits());
    s.on('error', () => undefined);
    s.on('data', (c: Buffer) =>
      dec.push(c, (f: RawFrame) => {
        if (f.encrypted) return void types.push(-1);
        const msg = codec.decode(f) as Message; // plaintext, uncompressed: synchronous
        types.push(MessageType[msg.type]);
        if (msg.type === 'CLIENT_CONFIG') for (const b of codec.encode(jsonResponse(msg, 'OK', config)) as Buffer[]) s.write(b);
        if (msg.type === 'DIFFIE_HELLMAN_KEY_REQUEST') {
          const status = config['nak'] === true ? 'DIFFIE_HELLMAN_NAK' : 'OK';
          const res = jsonResponse(msg, status, 'no');
          for (const b of codec.encode(res) as Buffer[]) s.write(b);
        }
      }),
    );
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    uri: `af-inet://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    types,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

test('the client never sends a password over an unencrypted connection', async () => {
  const fake = await fakeServer({ 'max-msg-size': 1 << 20, encrypt: false, authentication: true });
  try {
    await assert.rejects(connect({ uri: fake.uri, userName: 'tom', password: 'secret' }), (err: unknown) =>
      isIpcError(err, ErrorCode.ENCRYPTION_REQUIRED),
    );
    assert.deepEqual(fake.types, [40]); // CLIENT_CONFIG only: no AUTHENTICATION went out
  } finally {
    await fake.close();
  }
});

test('a NAK or an unexpected answer to the key exchange fails connect with KEY_EXCHANGE_FAILED', async () => {
  for (const [nak, text] of [
    [true, /^Error: The server rejected the Diffie-Hellman key exchange! /],
    [false, /^Failed to process Diffie-Hellman key exchange!$/],
  ] as const) {
    const fake = await fakeServer({ encrypt: true, nak });
    try {
      await assert.rejects(connect({ uri: fake.uri }), (err: unknown) => {
        assert.ok(isIpcError(err, ErrorCode.KEY_EXCHANGE_FAILED));
        assert.match(err.message, text);
        return true;
      });
      assert.deepEqual(fake.types, [40, 50]);
    } finally {
      await fake.close();
    }
  }
});
