import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_POLL_RESPONSE_MARGIN, jsonMessage, plainTextMessage } from '../../src/index.js';
import { queueEnv } from '../helpers/queue-server.js';

test('a polled message carries the offer’s fields, reply-to queue and request id; the poller answers there', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('orders', { capacity: 10 });
  const requester = await env.client();
  const worker = await env.client();
  const reply = await requester.createTemporaryQueue(10);
  const order = jsonMessage('req-1', 'order', { item: 'espresso', count: 2 }, { expiresIn: { value: 1, unit: 'hours' } });
  const offered = await requester.offer('orders', order, { replyTo: reply, timeout: 300 });
  assert.equal(offered.text, 'Offered the message to the queue orders (durable: false).');
  assert.deepEqual([offered.requestId, offered.topic], ['req-1', 'order']);
  const got = await worker.poll('orders', { timeout: 300 });
  assert.equal(got.status, 'OK');
  assert.deepEqual([got.type, got.oneway, got.requestId, got.topic, got.queueName, got.replyToQueueName], ['RESPONSE', true, 'req-1', 'order', 'orders', reply]);
  assert.equal(got.expiresAt, order.expiresAt, 'expiry travels with the offer');
  assert.equal(got.timeout, 300, 'the offer timeout is kept');
  assert.deepEqual(got.json(), { item: 'espresso', count: 2 });
  await worker.offer(got.replyToQueueName!, jsonMessage(got.requestId, 'order-confirmed', got.json()));
  const confirmation = await requester.poll(reply, { timeout: 1000 });
  assert.deepEqual([confirmation.requestId, confirmation.topic], ['req-1', 'order-confirmed']);
});

test('expired messages are never delivered; each drop is recorded and counted', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('exp', { capacity: 10 });
  const client = await env.client();
  await client.offer('exp', plainTextMessage('old-1', 't', 'a', { expiresAt: Date.now() - 10_000 }));
  await client.offer('exp', plainTextMessage('old-2', 't', 'b', { expiresIn: { value: -1, unit: 'seconds' } }));
  await client.offer('exp', plainTextMessage('live', 't', 'c', { expiresIn: { value: 1, unit: 'minutes' } }));
  const res = await client.poll('exp');
  assert.equal(res.requestId, 'live');
  assert.equal((await client.poll('exp')).status, 'QUEUE_EMPTY');
  const status = await client.serverStatus();
  assert.equal(status['response-discarded-count'], 2);
  const err = await client.send(plainTextMessage(null, 'ipc-server/error', ''));
  assert.equal(err.json<{ description: string }>().description, "Discarded expired message (request-id: old-1)polling from queue 'exp'!");
});

test('a full circular queue evicts its oldest messages (through the wire)', async () => {
  await using env = await queueEnv();
  const client = await env.client();
  await client.createQueue('ring', 3, { type: 'circular' });
  for (let i = 1; i <= 5; i++) assert.ok((await client.offer('ring', plainTextMessage(String(i), 't', `m${i}`), { timeout: 1000 })).responseOk);
  assert.equal((await client.queueStatus('ring')).size, 3);
  const got: string[] = [];
  for (let i = 0; i < 3; i++) got.push((await client.poll('ring', { timeout: 1000 })).text);
  assert.deepEqual(got, ['m3', 'm4', 'm5']);
  const t0 = Date.now();
  assert.equal((await client.poll('ring', { timeout: 2000 })).status, 'QUEUE_EMPTY');
  assert.ok(Date.now() - t0 < 1000, 'circular queues never wait');
});

test('offer and poll return error statuses instead of throwing', async () => {
  await using env = await queueEnv();
  const client = await env.client();
  const offered = await client.offer('missing', plainTextMessage('1', 'x', 'y'), { timeout: 100 });
  assert.deepEqual([offered.status, offered.text, offered.topic, offered.requestId], ['QUEUE_NOT_FOUND', 'Offer rejected! The queue does not exist.', 'x', '1']);
  const polled = await client.poll('missing', { timeout: 100 });
  assert.deepEqual([polled.status, polled.text, polled.topic], ['QUEUE_NOT_FOUND', 'Poll rejected! The queue does not exist.', 'queue/poll']);
  await assert.rejects(client.poll('  '), { code: 'VIPC_ERR_INVALID_QUEUE_NAME' });
});

test('consume yields messages as they arrive and stops on abort without losing one', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('stream', { capacity: 100 });
  const producer = await env.client();
  const consumer = await env.client();
  for (let i = 0; i < 5; i++) await producer.offer('stream', plainTextMessage(String(i), 't', `m${i}`));
  const ac = new AbortController();
  const got: string[] = [];
  for await (const m of consumer.consume('stream', { pollTimeout: 50, signal: ac.signal })) {
    got.push(m.text);
    if (got.length === 3) ac.abort();
  }
  assert.deepEqual(got, ['m0', 'm1', 'm2']);
  assert.equal(env.server.queueStatus('stream').size, 2);
  for await (const m of consumer.consume('stream', { pollTimeout: 50 })) {
    got.push(m.text);
    if (got.length === 5) break;
  }
  assert.deepEqual(got, ['m0', 'm1', 'm2', 'm3', 'm4']);
});

test('a poll responseTimeout must outlast the wait by MIN_POLL_RESPONSE_MARGIN; nothing is sent otherwise', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('q', { capacity: 10 });
  const consumer = await env.client();
  const producer = await env.client();
  const invalid = { code: 'VIPC_ERR_INVALID_OPTION' };
  await assert.rejects(consumer.poll('q', { timeout: 2000, responseTimeout: 2000 }), invalid);
  await assert.rejects(consumer.poll('q', { timeout: 2000, responseTimeout: 2000 + MIN_POLL_RESPONSE_MARGIN - 1 }), invalid);
  await assert.rejects(consumer.poll('q', { responseTimeout: 500 }), invalid, 'an immediate poll counts as a wait of 0');
  await assert.rejects(consumer.poll('q', { timeout: 100, responseTimeout: Infinity }), invalid);
  await assert.rejects(consumer.poll('q', { timeout: 100, responseTimeout: Number.NaN }), invalid);
  assert.equal(env.server.queueStatus('q').size, 0);
  // Nothing was left waiting on the server: the next message goes to the next real poll.
  assert.ok((await producer.offer('q', plainTextMessage('1', 't', 'kept'))).responseOk);
  const got = await consumer.poll('q', { timeout: 200, responseTimeout: 200 + MIN_POLL_RESPONSE_MARGIN });
  assert.equal(got.text, 'kept');
  const empty = await consumer.poll('q', { timeout: 100, responseTimeout: 100 + MIN_POLL_RESPONSE_MARGIN });
  assert.equal(empty.status, 'QUEUE_EMPTY');
});
