/**
 * Review: memory a peer (or a publisher) can grow in publish/subscribe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, binaryMessage } from '../../src/index.js';
import { until } from '../helpers/net.js';

/*
 * Defect: the client-side subscription buffer is bounded by a *count* only
 * (SubscribeOptions.bufferSize, default 10 000 pushes; src/client/subscription.ts:134-146)
 * and the client never stops reading its socket for a slow consumer. With 1 MB pushes a
 * consumer that is behind makes the client hold 10 000 × 1 MB (up to 10 000 × max message
 * size = 200 GB). Issue #4: "buffer with a bound and count drops there too" — the bound must
 * cover bytes. Here 64 pushes of 1 MB are all held (64 MB) for a loop that has not started.
 */
test('client subscription buffer holds unbounded bytes for a slow consumer (count-only bound)', { timeout: 30_000 }, async () => {
  await using server = await createServer({ port: 0, maxMessageSize: '2MB' });
  await using subscriber = await connect({ uri: server.uri });
  await using publisher = await connect({ uri: server.uri });
  const sub = await subscriber.subscribe('big'); // iterated later (a slow for-await loop)
  const payload = Buffer.alloc(1024 * 1024, 1);
  for (let i = 0; i < 64; i++) {
    const r = await publisher.publish(binaryMessage(String(i), 'big', 'application/octet-stream', payload));
    assert.ok(r.responseOk);
  }
  await until(() => sub.received + (sub.dropped > 0 ? 64 : 0) >= 64, 10_000, 'pushes received');
  const heldBytes = sub.pending * payload.length;
  await sub.unsubscribe();
  assert.ok(heldBytes <= 32 * 1024 * 1024, `the client holds ${heldBytes / 1048576} MB of pushes for one subscription`);
});

/*
 * Defect: the topics of a connection's subscription set (src/server/pubsub.ts:111-126,
 * SessionState.subscriptions) have no limit: one connection can make the server index any
 * number of distinct topics (20 per SUBSCRIBE, any number of SUBSCRIBEs). 100 000 are
 * accepted here (~tens of MB of server memory per connection, and it keeps growing).
 */
test('one connection can subscribe to an unbounded number of topics', { timeout: 60_000 }, async () => {
  await using server = await createServer({ port: 0 });
  await using client = await connect({ uri: server.uri });
  let refused = 0;
  for (let batch = 0; batch < 50; batch++) {
    const calls = [];
    for (let j = 0; j < 100; j++) {
      const topics = Array.from({ length: 20 }, (_, k) => `t${batch}-${j}-${k}-${'x'.repeat(60)}`);
      calls.push(client.subscribe(topics, () => undefined).then(() => undefined, () => void refused++));
    }
    await Promise.all(calls);
    if (refused > 0) break;
  }
  const status = await client.serverStatus();
  const count = status['subscription-topic-count'] as number;
  assert.ok(refused > 0 || count < 100_000, `the server accepted ${count} subscribed topics from one connection`);
});
