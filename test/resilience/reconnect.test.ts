/** Reconnect (issue 9 §4): handshake redone, subscriptions renewed, safe calls re-sent, others rejected, status events, client ping. */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { connect, createServer, ErrorCode, isIpcError, plainTextMessage, type Message } from '../../src/index.js';
import { until } from '../helpers/net.js';
import { startProxy } from '../helpers/proxy.js';
import { rejectsWith, statusLog, within } from './helpers.js';

const fast = { initialDelay: 10, maxDelay: 50 } as const;

test('after a reset the client reconnects, re-subscribes, re-sends a pending read and rejects a pending write with CONNECTION_CLOSED', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await using server = await createServer({ port: 0, handler: async (m) => (await gate, m) });
  await using proxy = await startProxy(server.endpoint.kind === 'inet' ? server.endpoint.port : 0);
  await using client = await connect({ uri: proxy.uri, reconnect: fast });
  const log = statusLog(client);
  const got: Message[] = [];
  const sub = await client.subscribe('news', (m) => void got.push(m));
  await client.createTemporaryQueue(5);
  const write = client.send(plainTextMessage('w', 'pay', 'x')).then(
    () => 'answered',
    (e: unknown) => e,
  );
  await until(() => server.stats.messageCount >= 3, 5000, 'the write reached the server');
  proxy.blackhole(true);
  const read = client.serverStatus();
  await until(() => proxy.counts.swallowed > 0, 3000, 'the read went into the blackhole');
  proxy.blackhole(false);
  proxy.reset();
  const lost = await log.next('disconnect');
  assert.equal(lost.type === 'disconnect' && isIpcError(lost.error, ErrorCode.CONNECTION_CLOSED), true);
  const temp = await log.next('temporary-queues-lost');
  assert.equal(temp.type === 'temporary-queues-lost' && temp.queues.length, 1);
  const back = await log.next('reconnect');
  assert.ok(back.type === 'reconnect');
  assert.equal(back.resubscribed, 1);
  assert.equal(back.rejected, 1); // the write
  const w = await write;
  assert.ok(isIpcError(w, ErrorCode.CONNECTION_CLOSED), `the write ended with ${String(w)}`);
  assert.equal(typeof (await within(read, 5000, 'the re-sent read'))['running'], 'boolean');
  release();
  assert.equal(sub.isClosed, false);
  await using publisher = await connect({ uri: server.uri });
  await publisher.publish(plainTextMessage('1', 'news', 'after the reconnect'));
  await until(() => got.length === 1, 5000, 'the push after the reconnect');
  assert.equal(got[0]?.text, 'after the reconnect');
  assert.equal(client.stats().reconnects, 1);
  assert.equal(client.stats().disconnects, 1);
});

test('calls made while reconnecting wait and go out on the new connection (encryption and login redone)', async () => {
  const authenticator = await createAuthenticator({ tom: '3,kio' });
  await using server = await createServer({ port: 0, encrypt: true, authenticator, handler: (m, ctx) => m.with({ data: Buffer.from(ctx.principal) }) });
  await using proxy = await startProxy(server.endpoint.kind === 'inet' ? server.endpoint.port : 0);
  await using client = await connect({ uri: proxy.uri, userName: 'tom', password: '3,kio', reconnect: fast });
  const log = statusLog(client);
  proxy.refuse(true);
  proxy.reset();
  await log.next('reconnecting');
  const p = client.send(plainTextMessage('1', 't', 'x'));
  await rejectsWith(client.sendOneway(plainTextMessage('2', 't', 'x')), ErrorCode.CONNECTION_CLOSED); // one-way calls are not queued
  await log.next('error'); // an attempt failed while refused
  proxy.refuse(false);
  assert.equal((await within(p, 5000, 'the call made while reconnecting')).text, 'tom');
  assert.equal(client.encrypted, true);
});

test('the client gives up after the reconnect attempts: closed resolves with CONNECTION_CLOSED, calls waiting reject', async () => {
  await using server = await createServer({ port: 0, handler: (m) => m });
  await using proxy = await startProxy(server.endpoint.kind === 'inet' ? server.endpoint.port : 0);
  const client = await connect({ uri: proxy.uri, reconnect: { attempts: 2, ...fast } });
  const log = statusLog(client);
  proxy.refuse(true);
  proxy.reset();
  await log.next('reconnecting');
  const p = client.send(plainTextMessage('1', 't', 'x'));
  const err = await within(client.closed, 5000, 'closed');
  assert.ok(isIpcError(err, ErrorCode.CONNECTION_CLOSED));
  await rejectsWith(p, ErrorCode.CONNECTION_CLOSED);
  const final = log.events.find((e) => e.type === 'error' && e.final);
  assert.ok(final !== undefined, 'a final error event');
});

test('reconnect tries the endpoints in turn', async () => {
  await using server = await createServer({ port: 0, handler: (m) => m });
  const port = server.endpoint.kind === 'inet' ? server.endpoint.port : 0;
  await using first = await startProxy(port);
  await using second = await startProxy(port);
  await using client = await connect({ uri: first.uri, reconnect: { ...fast, endpoints: [second.uri] } });
  const log = statusLog(client);
  first.refuse(true);
  first.reset();
  const back = await log.next('reconnect');
  assert.equal(back.type === 'reconnect' && back.endpoint, second.uri);
  assert.equal(client.uri, second.uri);
  assert.equal((await client.send(plainTextMessage('1', 't', 'via the second'))).text, 'via the second');
});

test('a client-side ping detects a dead peer (blackhole) although the server advertises no heartbeat', async () => {
  await using server = await createServer({ port: 0, handler: (m) => m });
  await using proxy = await startProxy(server.endpoint.kind === 'inet' ? server.endpoint.port : 0);
  await using client = await connect({ uri: proxy.uri, pingInterval: 100, handshakeTimeout: 500, reconnect: fast });
  assert.equal(client.serverConfig.heartbeatInterval, 0);
  const log = statusLog(client);
  proxy.blackhole(true);
  await log.next('heartbeat-timeout', 5000);
  await log.next('disconnect');
  proxy.blackhole(false);
  await log.next('reconnect', 10_000);
  assert.equal((await client.send(plainTextMessage('1', 't', 'alive'))).text, 'alive');
});

test('without retry options the client fills in no request id (the wire stays as in Java)', async () => {
  const seen: Array<string | null> = [];
  await using server = await createServer({ port: 0, handler: (m) => (seen.push(m.requestId), m) });
  await using client = await connect({ uri: server.uri });
  await client.send(plainTextMessage(null, 't', 'x'));
  assert.deepEqual(seen, [null]);
});

test('a subscription that starts dropping pushes is reported as a slow-consumer status event', async () => {
  await using server = await createServer({ port: 0 });
  await using client = await connect({ uri: server.uri });
  const log = statusLog(client);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const sub = await client.subscribe('busy', () => gate, { bufferSize: 1 });
  for (let i = 0; i < 5; i++) await client.publish(plainTextMessage(null, 'busy', String(i)));
  const e = await log.next('slow-consumer');
  assert.deepEqual(e.type === 'slow-consumer' && e.topics, ['busy']);
  assert.ok(sub.dropped > 0);
  release();
});
