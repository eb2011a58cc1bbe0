/**
 * Lease mode on cluster queues, from the wire (issue 14 item 3): a real client leases, acks,
 * nacks and extends through node A and node B on one JetStream engine.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { deadLetterOf, plainTextMessage, type Client, type LeasedMessage } from '../../src/index.js';
import { startNats, startNodes, type NatsProcess, type Nodes } from './nats.js';

let nats: NatsProcess;
let nodes: Nodes;
let a: Client;
let b: Client;

before(async () => {
  nats = await startNats();
  nodes = await startNodes(2, [nats.url]);
  [a, b] = await Promise.all([nodes.client(0), nodes.client(1)]);
});
after(async () => {
  await nodes?.[Symbol.asyncDispose]();
  await nats?.dispose();
});

async function lease(c: Client, queue: string, ms: number, wait = 0): Promise<LeasedMessage> {
  const m = await c.poll(queue, { lease: ms, timeout: wait });
  assert.equal(m.status, 'OK', `lease poll of ${queue}: ${m.status} ${m.responseOk ? '' : m.text}`);
  return m;
}

test('a lease held by a client that closes without ack comes back through the other node with deliveryCount 2', async () => {
  await a.createQueue('wl/close', 10);
  assert.equal((await a.offer('wl/close', plainTextMessage('1', 'work', 'one'))).status, 'OK');
  const consumer = await nodes.client(0);
  const m = await lease(consumer, 'wl/close', 60_000);
  assert.deepEqual([m.text, m.deliveryCount], ['one', 1]);
  assert.equal((await b.poll('wl/close', { lease: 1000 })).status, 'QUEUE_EMPTY', 'hidden from B while leased');
  await consumer.close();
  const again = await lease(b, 'wl/close', 60_000, 5000);
  assert.deepEqual([again.text, again.deliveryCount], ['one', 2]);
  await b.ack(again);
});

test('ack through A removes the message for good', async () => {
  await a.createQueue('wl/ack', 10);
  await a.offer('wl/ack', plainTextMessage('1', 'work', 'one'));
  const m = await lease(a, 'wl/ack', 60_000);
  await a.ack(m);
  await assert.rejects(a.ack(m), 'a second ack is refused');
  assert.equal((await b.poll('wl/ack', { lease: 1000, timeout: 300 })).status, 'QUEUE_EMPTY');
  assert.equal((await a.queueStatus('wl/ack')).size, 0);
});

test('nack with a delay hides the message for that delay, then B gets it with deliveryCount 2', async () => {
  await a.createQueue('wl/nack', 10);
  await a.offer('wl/nack', plainTextMessage('1', 'work', 'one'));
  const m = await lease(a, 'wl/nack', 60_000);
  const t0 = Date.now();
  await a.nack(m, { delay: 400 });
  assert.equal((await b.poll('wl/nack', { lease: 1000 })).status, 'QUEUE_EMPTY', 'not visible during the delay');
  const again = await lease(b, 'wl/nack', 60_000, 5000);
  assert.ok(Date.now() - t0 >= 350, `came back after ${Date.now() - t0} ms`);
  assert.deepEqual([again.text, again.deliveryCount], ['one', 2]);
  await b.ack(again);
});

test('extend keeps the message hidden beyond the original lease', async () => {
  await a.createQueue('wl/extend', 10);
  await a.offer('wl/extend', plainTextMessage('1', 'work', 'one'));
  const m = await lease(a, 'wl/extend', 300);
  const until = await a.extend(m, 5000);
  assert.ok(until > Date.now() + 3000, 'the new end is about 5 s away');
  // A waiting lease poll on B, longer than the original 300 ms lease, finds nothing.
  assert.equal((await b.poll('wl/extend', { lease: 1000, timeout: 800 })).status, 'QUEUE_EMPTY');
  await a.ack(m);
  assert.equal((await b.poll('wl/extend', { lease: 1000 })).status, 'QUEUE_EMPTY');
});

test('past maxDeliveries a leased message goes to the dead-letter queue with its reason and count', async () => {
  await a.createQueue('wl/dead', 10, { maxDeliveries: 2 });
  await a.offer('wl/dead', plainTextMessage('1', 'work', 'poison'));
  for (let i = 1; i <= 2; i++) {
    const m = await lease(a, 'wl/dead', 60_000, 5000);
    assert.deepEqual([m.text, m.deliveryCount], ['poison', i]);
    await a.nack(m);
  }
  await a.offer('wl/dead', plainTextMessage('2', 'work', 'fine'));
  const next = await lease(a, 'wl/dead', 60_000, 5000);
  assert.equal(next.text, 'fine', 'the poison message left after its second delivery');
  await a.ack(next);
  const dead = await b.poll('wl/dead-dlq', { timeout: 5000 });
  assert.equal(dead.status, 'OK', dead.text);
  assert.equal(dead.text, 'poison');
  assert.deepEqual(deadLetterOf(dead), { reason: 'maxDeliveries', deliveries: 2, queue: 'wl/dead' });
  assert.equal((await b.poll('wl/dead', { lease: 1000 })).status, 'QUEUE_EMPTY', 'gone from the source');
});
