import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, DEFAULT_MAX_TOPICS_PER_CONNECTION, plainTextMessage } from '../../src/index.js';
import { harness, within } from './helpers.js';

test('a SUBSCRIBE beyond maxTopicsPerConnection is refused with BAD_REQUEST and subscribes to none of its topics', { timeout: 20_000 }, async () => {
  await using h = await harness({ maxTopicsPerConnection: 5 });
  const [c, other, pub] = await Promise.all([h.client(), h.client(), h.client()]);
  await c.subscribe(['a', 'b', 'c'], () => undefined);
  // Topics already subscribed do not count again.
  await c.subscribe(['a', 'b', 'c', 'd'], () => undefined);
  await assert.rejects(c.subscribe(['e', 'f'], () => undefined), (err: Error & { status?: string }) => {
    assert.equal(err.status, 'BAD_REQUEST');
    assert.match(err.message, /Too many topics! The connection is subscribed to 4 topics; 2 more would exceed the limit of 5 topics per connection\./);
    return true;
  });
  assert.equal(h.pubsub.subscriberCount('e'), 0, 'no partial subscription');
  assert.equal(h.pubsub.subscriberCount('f'), 0);
  assert.equal((await c.serverStatus())['subscription-topic-count'], 4);
  // Exactly up to the limit is fine; the limit is per connection.
  const last = await c.subscribe('e');
  await other.subscribe(['v', 'w', 'x', 'y', 'z'], () => undefined);
  // After an unsubscribe there is room again.
  await c.unsubscribe('a');
  await c.subscribe('g', () => undefined);
  assert.equal(h.pubsub.subscriberCount('g'), 1);
  await pub.publish(plainTextMessage(null, 'e', 'still delivered'));
  for await (const m of last) {
    assert.equal(m.text, 'still delivered');
    break;
  }
  // Server-wide: b, c, d, g of c ('e' ended with the loop) and the five of the other connection.
  assert.equal((await within(c.serverStatus(), 2000, 'status'))['subscription-topic-count'], 9);
});

test('maxTopicsPerConnection: default 1000, Infinity for none, invalid values are refused', async () => {
  assert.equal(DEFAULT_MAX_TOPICS_PER_CONNECTION, 1000);
  for (const bad of [0, -1, 1.5, Number.NaN, '10' as unknown as number]) {
    await assert.rejects(createServer({ port: 0, maxTopicsPerConnection: bad }), { code: 'VIPC_ERR_INVALID_OPTION' }, String(bad));
  }
  await using server = await createServer({ port: 0, maxTopicsPerConnection: Infinity });
  assert.ok(server.running);
});

test('a refused SUBSCRIBE that re-lists a topic leaves that topic with its previous subscription', { timeout: 20_000 }, async () => {
  await using h = await harness({ maxTopicsPerConnection: 2 });
  const [c, pub] = await Promise.all([h.client(), h.client()]);
  const first = await c.subscribe('t1');
  await assert.rejects(c.subscribe(['t1', 't2', 't3']), (err: Error & { status?: string }) => err.status === 'BAD_REQUEST');
  assert.equal(first.isClosed, false);
  await pub.publish(plainTextMessage(null, 't1', 'to the first'));
  for await (const m of first) {
    assert.equal(m.text, 'to the first');
    break;
  }
});
