/**
 * Connection hygiene: the pre-handshake frame limit, the handshake, idle and frame deadlines,
 * the pending-bytes budget, eviction at maxConnections, the per-address cap and the allow-list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { connect, ErrorCode, isIpcError, plainTextMessage } from '../../src/index.js';
import { parseAllowList } from '../../src/server/security-options.js';
import { buildFrame, metaText } from '../helpers/frames.js';
import { closedWithin, rawSocket, until } from '../helpers/net.js';
import { nextId, SecurePeer, testServer } from '../helpers/secure-peer.js';

/** A frame header and meta frame announcing a payload of `payloadLength`, with `body` bytes of it. */
function announcing(payloadLength: number, body = 0): Buffer {
  const whole = buildFrame({ meta: metaText({ id: nextId() }), payload: Buffer.alloc(body, 0x61), payloadLength });
  return whole;
}

test('before CLIENT_CONFIG a frame is at most maxPreAuthFrameSize; after it the message size limit applies', async () => {
  await using t = await testServer({ maxPreAuthFrameSize: '4KB' });
  const early = await SecurePeer.open(t.server);
  const err = t.nextError();
  early.write(announcing(20_000).subarray(0, 300)); // only the announcement: the length decides
  assert.equal(await err, ErrorCode.FRAME_TOO_LARGE);
  await early.closed();
  const peer = await SecurePeer.open(t.server);
  assert.equal((await peer.clientConfig()).status, 'OK');
  peer.send({ payload: Buffer.alloc(20_000, 0x62) });
  assert.equal((await peer.next()).data.length, 20_000);
  peer.destroy();
});

test('on a server with login the limit holds until the login succeeded', async () => {
  const { createAuthenticator } = await import('../../src/auth/authenticator.js');
  await using t = await testServer({ encrypt: true, authenticator: await createAuthenticator({ tom: '3,kio' }), maxPreAuthFrameSize: '4KB' });
  const peer = await SecurePeer.open(t.server);
  assert.equal((await peer.clientConfig()).status, 'OK');
  await peer.exchangeKeys();
  const err = t.nextError();
  peer.send({ payload: Buffer.alloc(10_000, 0x63) }); // logged in? not yet
  assert.equal(await err, ErrorCode.FRAME_TOO_LARGE);
  await peer.closed();
  const ok = await SecurePeer.open(t.server);
  await ok.clientConfig();
  await ok.exchangeKeys();
  assert.equal((await ok.login('tom', '3,kio')).status, 'OK');
  ok.send({ payload: Buffer.alloc(10_000, 0x63) });
  assert.equal((await ok.next()).data.length, 10_000);
  ok.destroy();
});

test('a connection that does not finish its handshake in time is closed with HANDSHAKE_TIMEOUT', async () => {
  await using t = await testServer({ handshakeTimeout: 200 });
  const s = await rawSocket(t.server);
  const started = Date.now();
  assert.equal(await t.nextError(), ErrorCode.HANDSHAKE_TIMEOUT);
  await closedWithin(s);
  assert.ok(Date.now() - started >= 150, 'not before the deadline');
  // a client that completes its handshake is not affected
  await using client = await connect({ uri: t.server.uri });
  await until(() => Date.now() - started > 450, 2000, 'past the deadline of the second connection');
  assert.equal((await client.send(plainTextMessage('1', 't', 'x'))).text, 'x');
});

test('a connection that sends nothing for idleTimeout is closed with IDLE_TIMEOUT; one waiting on a request is not', async () => {
  await using t = await testServer({ idleTimeout: 200 });
  await t.server.createQueue('q', { capacity: 1, type: 'bounded' });
  const idle = await SecurePeer.open(t.server);
  await idle.clientConfig();
  const waiting = await connect({ uri: t.server.uri, heartbeat: false });
  const poll = waiting.poll('q', { timeout: 600 }); // in flight longer than the idle deadline
  assert.equal(await t.nextError(), ErrorCode.IDLE_TIMEOUT);
  await idle.closed();
  assert.equal((await poll).status, 'QUEUE_EMPTY');
  await waiting.close();
});

test('the idle deadline defaults to 3 heartbeat intervals, at least 10 s, and is off without heartbeats', async () => {
  for (const [heartbeatInterval, want] of [[0, 0], [2, 10_000], [5, 15_000]] as const) {
    await using t = await testServer({ heartbeatInterval });
    assert.equal(t.server.settings.security.idleTimeout, want);
  }
});

test('a message that began to arrive and stalls is closed with FRAME_TIMEOUT', async () => {
  await using t = await testServer({ frameTimeout: 200 });
  const peer = await SecurePeer.open(t.server);
  await peer.clientConfig();
  peer.write(announcing(100_000, 1000).subarray(0, 1100));
  assert.equal(await t.nextError(), ErrorCode.FRAME_TIMEOUT);
  await peer.closed();
  // half a header counts as a started message too
  const half = await rawSocket(t.server);
  half.write(Buffer.from([0x76, 0x6e, 0, 0]));
  assert.equal(await t.nextError(), ErrorCode.FRAME_TIMEOUT);
  await closedWithin(half);
});

test('partly received messages share the maxPendingBytes budget; the connection that passes it is closed', async () => {
  await using t = await testServer({ maxMessageSize: '32KB', maxPendingBytes: '48KB' });
  const peers: SecurePeer[] = [];
  for (let i = 0; i < 2; i++) {
    const p = await SecurePeer.open(t.server);
    await p.clientConfig();
    p.write(announcing(30_000, 20_000).subarray(0, 20_000)); // 20 KB held each: 40 KB of 48
    peers.push(p);
  }
  const third = await SecurePeer.open(t.server);
  await third.clientConfig();
  const err = t.nextError();
  third.write(announcing(30_000, 20_000).subarray(0, 20_000));
  assert.equal(await err, ErrorCode.INPUT_BUDGET);
  await third.closed();
  // the first two finish their messages normally
  for (const p of peers) {
    p.write(announcing(30_000, 30_000).subarray(20_000));
    assert.equal((await p.next()).data.length, 30_000);
    p.destroy();
  }
});

test('lockout: 2 x maxConnections silent and half-header sockets do not keep a client out', async () => {
  const maxConnections = 10;
  const handshakeTimeout = 1000;
  await using t = await testServer({ maxConnections, handshakeTimeout });
  const attackers: Socket[] = [];
  for (let i = 0; i < 2 * maxConnections; i++) {
    const s = await rawSocket(t.server);
    s.on('error', () => undefined);
    if (i % 2 === 1) s.write(Buffer.from([0x76, 0x6e, 0, 0, 0, 1])); // half a header
    attackers.push(s);
  }
  const start = Date.now();
  await using client = await connect({ uri: t.server.uri, handshakeTimeout: 2000 });
  assert.equal((await client.send(plainTextMessage('1', 't', 'served'))).text, 'served');
  const servedAfter = Date.now() - start;
  assert.ok(servedAfter < handshakeTimeout + 1000, `served after ${servedAfter} ms`);
  // every attacker is gone within the handshake deadline (+1 s), evicted or timed out
  await until(() => attackers.every((s) => s.destroyed || s.readableEnded), handshakeTimeout + 1000, 'attackers closed');
  for (const s of attackers) s.destroy();
  assert.ok((t.server.stats.connectionErrors.get(ErrorCode.EVICTED) ?? 0) >= maxConnections);
  await until(() => t.server.connectionCount === 1, 2000, 'only the client left');
});

test('at maxConnections an idle connection makes room only once idle for idleEvictionAge', async () => {
  await using t = await testServer({ maxConnections: 2, idleEvictionAge: 300 });
  const a = await connect({ uri: t.server.uri, heartbeat: false });
  const b = await connect({ uri: t.server.uri, heartbeat: false });
  const t0 = Date.now();
  // both logged in and fresh: a third is refused
  await assert.rejects(connect({ uri: t.server.uri, handshakeTimeout: 1000 }), (e: unknown) => isIpcError(e));
  assert.equal(t.server.stats.connectionErrors.get(ErrorCode.TOO_MANY_CONNECTIONS), 1);
  await b.send(plainTextMessage('1', 't', 'keep b busy'));
  await until(() => Date.now() - t0 > 350, 2000, 'a idle long enough');
  await using c = await connect({ uri: t.server.uri });
  assert.equal((await c.send(plainTextMessage('1', 't', 'in'))).text, 'in');
  await a.closed; // the one idle longest was evicted
  assert.equal(t.server.stats.connectionErrors.get(ErrorCode.EVICTED), 1);
  await b.close();
});

test('maxConnectionsPerAddress refuses more connections from one address', async () => {
  await using t = await testServer({ maxConnectionsPerAddress: 2 });
  const a = await connect({ uri: t.server.uri });
  const b = await connect({ uri: t.server.uri });
  await assert.rejects(connect({ uri: t.server.uri, handshakeTimeout: 1000 }), (e: unknown) => isIpcError(e));
  await a.close();
  await until(() => t.server.connectionCount === 1, 2000, 'a closed');
  await using c = await connect({ uri: t.server.uri });
  assert.equal((await c.send(plainTextMessage('1', 't', 'x'))).text, 'x');
  await b.close();
});

test('allow: addresses outside the CIDR list are refused at once; bad lists are coded errors', async () => {
  {
    await using t = await testServer({ allow: '10.0.0.0/8, 192.168.0.0/16' });
    await assert.rejects(connect({ uri: t.server.uri, handshakeTimeout: 1000 }), (e: unknown) => isIpcError(e));
    assert.equal(t.server.stats.connectionErrors.get(ErrorCode.ADDRESS_NOT_ALLOWED), 1);
  }
  {
    await using t = await testServer({ allow: ['127.0.0.0/8', '::1'] });
    await using c = await connect({ uri: t.server.uri });
    assert.equal((await c.send(plainTextMessage('1', 't', 'x'))).text, 'x');
  }
  for (const bad of ['', '127.0.0.0/33', 'localhost', '::1/129', '1.2.3.4/x']) {
    assert.throws(() => parseAllowList(bad), (e: unknown) => isIpcError(e, ErrorCode.INVALID_OPTION), bad);
  }
  const { list } = parseAllowList('::1,127.0.0.1/32');
  assert.ok(list.check('::1', 'ipv6'));
});
