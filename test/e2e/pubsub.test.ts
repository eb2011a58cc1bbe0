import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, jsonMessage, plainTextMessage, textMessage, type Message } from '../../src/index.js';

test('publish/subscribe end to end: compression per connection, mixed traffic, sync and async publish', { timeout: 30_000 }, async () => {
  await using server = await createServer({ port: 0, compressCutoffSize: '1KB', handler: (m) => m });
  await using subscriber = await connect({ uri: server.uri });
  await using publisher = await connect({ uri: server.uri });

  const sub = await subscriber.subscribe(['orders', 'prices']);
  const received: Message[] = [];
  const consumer = (async (): Promise<void> => {
    for await (const m of sub) {
      received.push(m);
      if (received.length === 4) break;
    }
  })();

  // The subscribing client keeps sending requests while pushes arrive.
  const echo = subscriber.send(plainTextMessage('e1', 'echo', 'mixed'));
  const big = 'x'.repeat(200_000); // compressed off the event loop on both connections
  const asyncPublish = publisher.publish(textMessage('p1', 'orders', 'text/plain', 'UTF-8', big)); // "publish-async": a promise
  const syncAnswer = await publisher.publish(jsonMessage('p2', 'prices', { sku: 'A1', price: 9.5 }));
  assert.equal(syncAnswer.text, 'Message has been enqued to publish.');
  assert.equal((await asyncPublish).text, 'Message has been enqued to publish.');
  await publisher.publish(plainTextMessage('p3', 'other', 'not for us'));
  await publisher.publish(plainTextMessage('p4', ['orders', 'prices'], 'two topics, first wins'));
  await publisher.publish(plainTextMessage('p5', 'prices', 'last'));
  assert.equal((await echo).text, 'mixed');
  await consumer;

  assert.deepEqual(received.map((m) => m.requestId), ['p1', 'p2', 'p4', 'p5']);
  assert.equal(received[0]!.text, big);
  assert.deepEqual(received[1]!.json(), { sku: 'A1', price: 9.5 });
  assert.ok(received.every((m) => m.subscriptionReply && m.type === 'REQUEST' && m.oneway));
  assert.equal(sub.isClosed, true);

  const status = await publisher.serverStatus();
  assert.equal(status['publish-count'], 4);
  assert.equal(status['subscription-client-count'], 0, 'the loop unsubscribed when it ended');
  assert.equal(await subscriber.publishDiscardedCount(), 0);
});
