/** Durable queues in at-least-once mode across server restarts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deadLetterOf, plainTextMessage } from '../../src/index.js';
import { tempDir } from '../wal/helpers.js';
import { lease, offerAll, until } from '../leases/helpers.js';
import { drainTexts, walEnv } from './helpers.js';

test('a leased message is not ACKed at hand-out: after a restart it is back at its place; an acked one is gone', async (t) => {
  const dir = await tempDir(t);
  {
    await using env = await walEnv(dir);
    await env.server.createQueue('q', { capacity: 10, durable: true });
    const c = await env.client();
    await offerAll(c, 'q', ['a', 'b', 'c', 'd'], true);
    const a = await lease(c, 'q', 60_000);
    const b = await lease(c, 'q', 60_000);
    const beforeAck = env.wal.logStats('q')!.records;
    await c.ack(b);
    // the ACK of a leased message is written without waiting for its sync: wait until it is counted
    await until(async () => env.wal.logStats('q')!.records === beforeAck + 1, 'the ACK of b');
    assert.equal(a.text, 'a');
    const before = env.wal.logStats('q')!;
    await c.nack(await lease(c, 'q', 60_000), { delay: 60_000 }); // c: nacked for later
    assert.equal(env.wal.logStats('q')!.records, before.records, 'lease and nack write nothing');
  } // server closed with a and c still out: close flushes the ACK of b
  await using env = await walEnv(dir);
  assert.deepEqual(await drainTexts(await env.client(), 'q'), ['a', 'c', 'd'], 'a and c kept their places; b is gone');
});

test('a delayed offer keeps its delivery time across a restart', async (t) => {
  const dir = await tempDir(t);
  {
    await using env = await walEnv(dir);
    await env.server.createQueue('q', { capacity: 10, durable: true });
    const c = await env.client();
    assert.equal((await c.offer('q', plainTextMessage('later', 'w', 'later', { durable: true }), { delay: 60_000 })).status, 'OK');
    await offerAll(c, 'q', ['now'], true);
  }
  await using env = await walEnv(dir);
  const c = await env.client();
  assert.equal(env.server.queueStatus('q').size, 2);
  assert.equal(env.server.queueStatus('q').delayed, 1, 'still delayed after the restart');
  assert.deepEqual(await drainTexts(c, 'q'), ['now']);
});

test('dead letters of a durable queue go to a durable dead-letter queue and survive a restart', async (t) => {
  const dir = await tempDir(t);
  {
    await using env = await walEnv(dir);
    const c = await env.client();
    await c.createQueue('q', 10, { durable: true, maxDeliveries: 1 });
    await offerAll(c, 'q', ['poison'], true);
    await c.nack(await lease(c, 'q', 60_000));
    await until(async () => env.server.queueStatus('q-dlq').size === 1, 'the dead letter');
    assert.equal(env.server.queueStatus('q-dlq').durable, true);
  }
  await using env = await walEnv(dir);
  const c = await env.client();
  assert.equal(env.server.queueStatus('q').size, 0, 'the source ACK was logged');
  const dead = await c.poll('q-dlq');
  assert.deepEqual([dead.text, deadLetterOf(dead)?.reason], ['poison', 'maxDeliveries']);
});

test('expired messages leave the log while the server runs (ACK records), not only at the next start', async (t) => {
  const dir = await tempDir(t);
  await using env = await walEnv(dir, { queueExpirySweep: 10 });
  await env.server.createQueue('q', { capacity: 10, durable: true });
  const c = await env.client();
  await c.offer('q', plainTextMessage('stale', 'w', 'stale', { durable: true, expiresAt: Date.now() + 30 }));
  const records = env.wal.logStats('q')!.records;
  await until(async () => env.wal.logStats('q')!.records === records + 1, 'the ACK of the expired message');
  assert.equal(env.server.queueStatus('q').size, 0);
});
