import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createMessage, createServer, plainTextMessage, type Message } from '../../src/index.js';
import { collector, harness, within } from './helpers.js';

const texts = (ms: readonly Message[]): string[] => ms.map((m) => m.text);

test('several subscribers on overlapping topic sets each get one copy per matching publish', { timeout: 20_000 }, async () => {
  await using h = await harness();
  const [a, b, c, pub] = await Promise.all([h.client(), h.client(), h.client(), h.client()]);
  const ga = collector();
  const gb = collector();
  const gc = collector();
  await a.subscribe(['news', 'sport'], ga.handler);
  await b.subscribe(['sport', 'weather'], gb.handler);
  await c.subscribe('weather', gc.handler);
  for (const t of ['news', 'sport', 'weather', 'nobody']) {
    const res = await pub.publish(plainTextMessage(null, t, t));
    assert.equal(res.text, 'Message has been enqued to publish.');
  }
  assert.deepEqual(texts(await within(ga.waitFor(2), 5000, 'a')), ['news', 'sport']);
  assert.deepEqual(texts(await within(gb.waitFor(2), 5000, 'b')), ['sport', 'weather']);
  assert.deepEqual(texts(await within(gc.waitFor(1), 5000, 'c')), ['weather']);
  // A round trip on each subscriber proves nothing else is on its way.
  await Promise.all([a, b, c].map((x) => x.serverStatus()));
  assert.deepEqual([ga.messages.length, gb.messages.length, gc.messages.length], [2, 2, 1]);
  const status = await pub.serverStatus();
  assert.equal(status['subscription-client-count'], 3);
  assert.equal(status['subscription-topic-count'], 5);
  assert.equal(status['publish-count'], 5);
  assert.equal(status['publish-discarded-count'], 0);
});

test('matching is exact and case-sensitive on the first topic only', { timeout: 20_000 }, async () => {
  await using h = await harness();
  const [sub, pub] = await Promise.all([h.client(), h.client()]);
  const got = collector();
  await sub.subscribe('news', got.handler);
  await pub.publish(plainTextMessage(null, ['x', 'news'], 'second topic'));
  await pub.publish(plainTextMessage(null, 'News', 'case'));
  await pub.publish(plainTextMessage(null, 'news/eu', 'prefix'));
  await pub.publish(plainTextMessage(null, ['news', 'x'], 'first topic'));
  const [m] = await within(got.waitFor(1), 5000, 'the push');
  await sub.serverStatus();
  assert.deepEqual(texts(got.messages), ['first topic']);
  assert.deepEqual(m!.topics, ['news', 'x'], 'all topics are kept');
});

test('a push is a copy of the PUBLISH: id, timestamp, expiry, timeout, requestId, payload', { timeout: 20_000 }, async () => {
  await using h = await harness();
  const [sub, pub] = await Promise.all([h.client(), h.client()]);
  const got = collector();
  await sub.subscribe('t', got.handler);
  const msg = createMessage({ requestId: 'r-1', topic: 't', mimetype: 'application/octet-stream', data: Buffer.from([1, 2, 3]), expiresAt: 4242, timeout: 77 });
  await pub.publish(msg);
  const [push] = await within(got.waitFor(1), 5000, 'the push');
  assert.ok(push);
  assert.equal(push.id, msg.id);
  assert.equal(push.timestamp, msg.timestamp);
  assert.equal(push.expiresAtMillis, 4242);
  assert.equal(push.timeout, 77);
  assert.deepEqual([push.type, push.status, push.oneway, push.subscriptionReply], ['REQUEST', 'NULL', true, true]);
  assert.equal(push.requestId, 'r-1');
  assert.equal(push.charset, null);
  assert.deepEqual([...push.data], [1, 2, 3]);
});

test('the publisher receives its own publish when it subscribed, and can still send and publish', { timeout: 20_000 }, async () => {
  await using h = await harness({ handler: (m) => m });
  const me = await h.client();
  const got = collector();
  await me.subscribe('self', got.handler);
  const res = await me.publish(plainTextMessage('1', 'self', 'me'));
  assert.equal(res.status, 'OK');
  const echo = await me.send(plainTextMessage('2', 'echo', 'still works'));
  assert.equal(echo.text, 'still works');
  assert.deepEqual(texts(await within(got.waitFor(1), 5000, 'own push')), ['me']);
});

test('publish with no subscribers is answered OK and counts nothing', { timeout: 20_000 }, async () => {
  await using h = await harness();
  const pub = await h.client();
  const res = await pub.publish(plainTextMessage('9', 'void', 'anyone?'));
  assert.deepEqual([res.type, res.status, res.text, res.requestId, res.topic], ['RESPONSE', 'OK', 'Message has been enqued to publish.', '9', 'void']);
  const status = await pub.serverStatus();
  assert.equal(status['publish-count'], 0);
  assert.equal(status['publish-discarded-count'], 0);
});

test('unsubscribing some topics keeps the others', { timeout: 20_000 }, async () => {
  await using h = await harness();
  const [sub, pub] = await Promise.all([h.client(), h.client()]);
  const got = collector();
  const s = await sub.subscribe(['a', 'b', 'c'], got.handler);
  const res = await sub.unsubscribe(['a', 'c', 'never-subscribed']);
  assert.equal(res.text, 'Unsubscribed from the topics.');
  assert.deepEqual(s.topics, ['b']);
  assert.equal(s.isClosed, false);
  assert.equal(h.pubsub.subscriberCount('a'), 0);
  assert.equal(h.pubsub.subscriberCount('b'), 1);
  for (const t of ['a', 'b', 'c']) await pub.publish(plainTextMessage(null, t, t));
  await within(got.waitFor(1), 5000, 'push on b');
  await sub.serverStatus();
  assert.deepEqual(texts(got.messages), ['b']);
  assert.equal((await sub.serverStatus())['subscription-topic-count'], 1);
  await sub.unsubscribe('b');
  assert.equal(s.isClosed, true, 'removing the last topic ends the subscription');
  assert.equal(h.pubsub.topicCount, 0, 'and removes the connection from the registry');
  assert.equal((await sub.serverStatus())['subscription-client-count'], 0);
});

test('subscribing twice to a topic replaces the handler and ends the replaced subscription', { timeout: 20_000 }, async () => {
  await using h = await harness();
  const [sub, pub] = await Promise.all([h.client(), h.client()]);
  const first = collector();
  const second = collector();
  const s1 = await sub.subscribe('t', first.handler);
  await pub.publish(plainTextMessage(null, 't', 'one'));
  await within(first.waitFor(1), 5000, 'first push');
  const s2 = await sub.subscribe('t', second.handler);
  assert.equal(s1.isClosed, true);
  assert.equal(await s1.closed, undefined);
  await pub.publish(plainTextMessage(null, 't', 'two'));
  await within(second.waitFor(1), 5000, 'second push');
  await sub.serverStatus();
  assert.deepEqual(texts(first.messages), ['one']);
  assert.deepEqual(texts(second.messages), ['two']);
  assert.equal(h.pubsub.subscriberCount('t'), 1, 'one connection, one entry');
  // The replaced iterator ends; the new one keeps working.
  const it1 = await sub.subscribe(['t', 'u']);
  const it2 = await sub.subscribe('t');
  assert.deepEqual(it1.topics, ['u'], 'partly replaced: keeps its other topic');
  const it3 = await sub.subscribe('u');
  assert.equal(it1.isClosed, true);
  const drained: Message[] = [];
  for await (const m of it1) drained.push(m);
  assert.deepEqual(drained, []);
  assert.equal(s2.isClosed, true);
  await pub.publish(plainTextMessage(null, 'u', 'u!'));
  for await (const m of it3) {
    assert.equal(m.text, 'u!');
    break;
  }
  assert.equal(it2.isClosed, false);
});

test('topics are validated before anything is sent', { timeout: 20_000 }, async () => {
  await using h = await harness();
  const c = await h.client();
  await assert.rejects(c.subscribe([]), { code: 'VIPC_ERR_INVALID_TOPIC' });
  await assert.rejects(c.subscribe(Array.from({ length: 21 }, (_, i) => `t${i}`)), { code: 'VIPC_ERR_INVALID_TOPIC' });
  await assert.rejects(c.subscribe('a b'), { code: 'VIPC_ERR_INVALID_TOPIC' });
  await assert.rejects(c.unsubscribe(''), { code: 'VIPC_ERR_INVALID_TOPIC' });
  await assert.rejects(c.subscribe(42 as unknown as string), { code: 'VIPC_ERR_INVALID_ARGUMENT' });
  const ok = await c.subscribe(Array.from({ length: 20 }, (_, i) => `t${i}`));
  assert.equal(ok.topics.length, 20);
  assert.equal((await c.serverStatus())['message-count'], 2, 'only the valid SUBSCRIBE and this status request reached the server');
});

test('one push reaches plain and encrypted subscribers, each in its own encoding (plain bytes are shared)', { timeout: 20_000 }, async () => {
  await using server = await createServer({ port: 0, compressCutoffSize: -1 });
  await using plainA = await connect({ uri: server.uri });
  await using plainB = await connect({ uri: server.uri });
  await using secret = await connect({ uri: server.uri, encrypt: true });
  await using pub = await connect({ uri: server.uri });
  assert.equal(secret.encrypted, true);
  const subs = await Promise.all([plainA, plainB, secret].map((c) => c.subscribe('shared')));
  const text = 'x'.repeat(5000); // large enough to be written as its own buffer
  await pub.publish(plainTextMessage('7', 'shared', text));
  for (const s of subs) {
    for await (const m of s) {
      assert.equal(m.text, text);
      assert.equal(m.requestId, '7');
      assert.equal(m.subscriptionReply, true);
      break; // unsubscribes
    }
  }
});
