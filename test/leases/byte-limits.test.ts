import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binaryMessage, DEFAULT_MAX_QUEUE_BYTES, DEFAULT_QUEUE_MAX_BYTES } from '../../src/index.js';
import { queueEnv } from '../helpers/queue-server.js';

const MB = 1024 * 1024;

test('probe: a queue of capacity 2^31-1 filled with 1 MB messages answers full at the server-wide byte limit', async () => {
  await using env = await queueEnv({ maxQueueBytes: 8 * MB, queueMaxBytes: 0 });
  await env.server.createQueue('big', { capacity: 2 ** 31 - 1 });
  const c = await env.client();
  const payload = Buffer.alloc(MB, 7);
  let accepted = 0;
  let full = 0;
  for (let i = 0; i < 20; i++) {
    const r = await c.offer('big', binaryMessage(null, 'blob', 'application/octet-stream', payload));
    if (r.status === 'OK') accepted++;
    else if (r.status === 'QUEUE_FULL') full++;
    else assert.fail(`unexpected ${r.status}`);
  }
  assert.deepEqual([accepted, full], [8, 12]);
  assert.equal(env.server.queueStatus('big').size, 8);
  // Space comes back as messages leave.
  assert.equal((await c.poll('big')).status, 'OK');
  assert.equal((await c.offer('big', binaryMessage(null, 'blob', 'application/octet-stream', payload))).status, 'OK');
});

test('a queue at its own maxBytes answers full; other queues share the rest; one message always fits into an empty queue', async () => {
  await using env = await queueEnv({ maxQueueBytes: 0 });
  const c = await env.client();
  await c.createQueue('small', 100, { maxBytes: 1000 });
  await c.createQueue('other', 100, { maxBytes: 1000 });
  const kb = (n: number): Buffer => Buffer.alloc(n, 1);
  assert.equal((await c.offer('small', binaryMessage(null, 't', 'application/octet-stream', kb(400)))).status, 'OK');
  assert.equal((await c.offer('small', binaryMessage(null, 't', 'application/octet-stream', kb(600)))).status, 'OK');
  assert.equal((await c.offer('small', binaryMessage(null, 't', 'application/octet-stream', kb(1)))).status, 'QUEUE_FULL');
  assert.equal((await c.offer('other', binaryMessage(null, 't', 'application/octet-stream', kb(5000)))).status, 'OK', 'an empty queue takes one message of any allowed size');
  assert.equal((await c.offer('other', binaryMessage(null, 't', 'application/octet-stream', kb(1)))).status, 'QUEUE_FULL');
  // A waiting offer gets in once a poll frees the bytes.
  const waiting = c.offer('small', binaryMessage(null, 't', 'application/octet-stream', kb(500)), { timeout: 5000 });
  assert.equal((await c.poll('small')).data.length, 400);
  assert.equal((await c.poll('small')).data.length, 600);
  assert.equal((await waiting).status, 'OK');
});

test('leased messages keep their bytes until acked', async () => {
  await using env = await queueEnv({ maxQueueBytes: 0 });
  const c = await env.client();
  await c.createQueue('q', 100, { maxBytes: 1000 });
  assert.equal((await c.offer('q', binaryMessage(null, 't', 'application/octet-stream', Buffer.alloc(800)))).status, 'OK');
  const m = await c.poll('q', { lease: 60_000 });
  assert.equal((await c.offer('q', binaryMessage(null, 't', 'application/octet-stream', Buffer.alloc(800)))).status, 'QUEUE_FULL');
  await c.ack(m);
  assert.equal((await c.offer('q', binaryMessage(null, 't', 'application/octet-stream', Buffer.alloc(800)))).status, 'OK');
});

test('the byte-limit defaults are sane', () => {
  assert.equal(DEFAULT_QUEUE_MAX_BYTES, 64 * MB);
  assert.equal(DEFAULT_MAX_QUEUE_BYTES, 512 * MB);
});
