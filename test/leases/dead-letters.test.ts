import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deadLetterOf, ErrorCode, isIpcError, plainTextMessage } from '../../src/index.js';
import { queueEnv } from '../helpers/queue-server.js';
import { lease, offerAll, until } from './helpers.js';

test('past maxDeliveries a message goes to the dead-letter queue with its reason and count', async () => {
  await using env = await queueEnv();
  const c = await env.client();
  await c.createQueue('jobs', 10, { maxDeliveries: 3 });
  await offerAll(c, 'jobs', ['poison', 'ok']);
  for (let i = 1; i <= 3; i++) {
    const m = await lease(c, 'jobs', 60_000);
    assert.deepEqual([m.text, m.deliveryCount], ['poison', i]);
    await c.nack(m);
  }
  const next = await lease(c, 'jobs', 60_000);
  assert.equal(next.text, 'ok', 'the poison message left after its third delivery');
  await c.ack(next);
  await until(async () => env.server.queueStatus('jobs-dlq').size === 1, 'the dead letter');
  assert.equal(env.server.queueStatus('jobs').deadLettered, 1);
  const dead = await c.poll('jobs-dlq');
  assert.equal(dead.text, 'poison');
  assert.deepEqual(deadLetterOf(dead), { reason: 'maxDeliveries', deliveries: 3, queue: 'jobs' });
  assert.equal(dead.topic, 'work', 'the first topic is kept');
});

test('a lease that runs out counts as a delivery; a named dead-letter queue is used', async () => {
  await using env = await queueEnv();
  const c = await env.client();
  await c.createQueue('jobs', 10, { maxDeliveries: 1, deadLetterQueue: 'graveyard' });
  await offerAll(c, 'jobs', ['slow']);
  await lease(c, 'jobs', 20);
  await until(async () => env.server.queueStatus('graveyard').size === 1, 'the dead letter');
  assert.equal(env.server.queueStatus('jobs').size, 0);
  assert.equal(deadLetterOf(await c.poll('graveyard'))?.deliveries, 1);
});

test('expired messages can go to the dead-letter queue (deadLetterExpired)', async () => {
  await using env = await queueEnv({ queueExpirySweep: 10 });
  const c = await env.client();
  await c.createQueue('jobs', 10, { deadLetterExpired: true });
  await c.offer('jobs', plainTextMessage('stale', 'work', 'stale', { expiresAt: Date.now() + 30 }));
  await until(async () => env.server.queueStatus('jobs-dlq').size === 1, 'the sweep to move the expired message');
  assert.equal(env.server.queueStatus('jobs').size, 0);
  assert.equal(deadLetterOf(await c.poll('jobs-dlq'))?.reason, 'expired');
});

test('the expiry sweep drops expired messages nobody polls', async () => {
  await using env = await queueEnv({ queueExpirySweep: 10 });
  const c = await env.client();
  await c.createQueue('jobs', 10);
  await c.offer('jobs', plainTextMessage('stale', 'work', 'stale', { expiresAt: Date.now() + 30 }));
  await offerAll(c, 'jobs', ['fresh']);
  await until(async () => env.server.queueStatus('jobs').size === 1, 'the sweep');
  assert.equal((await c.poll('jobs')).text, 'fresh');
});

test('a full dead-letter queue keeps the message in its source queue', async () => {
  await using env = await queueEnv();
  const c = await env.client();
  await c.createQueue('jobs', 10, { maxDeliveries: 1 });
  await c.createQueue('jobs-dlq', 1);
  await offerAll(c, 'jobs-dlq', ['filler']);
  await offerAll(c, 'jobs', ['poison']);
  await c.nack(await lease(c, 'jobs', 60_000));
  const again = await lease(c, 'jobs', 60_000, 2000);
  assert.deepEqual([again.text, again.deliveryCount], ['poison', 2], 'not lost: still in its queue');
});

test('consume with manual acks: prefetch keeps several leases; breaking out gives the prefetched ones back', async () => {
  await using env = await queueEnv();
  const c = await env.client();
  await c.createQueue('jobs', 20);
  await offerAll(c, 'jobs', ['1', '2', '3', '4', '5']);
  const seen: string[] = [];
  for await (const m of c.consume('jobs', { ack: 'manual', prefetch: 3, pollTimeout: 50 })) {
    seen.push(m.text);
    await c.ack(m);
    if (seen.length === 2) break;
  }
  assert.deepEqual(seen, ['1', '2']);
  await until(async () => (env.server.queueStatus('jobs').leased ?? 0) === 0, 'the prefetched leases to be given back');
  const rest: string[] = [];
  for await (const m of c.consume('jobs', { ack: 'auto', pollTimeout: 50 })) {
    rest.push(m.text);
    if (rest.length === 3) break;
  }
  assert.deepEqual(rest, ['3', '4', '5']);
  await until(async () => env.server.queueStatus('jobs').size === 1, 'the acks of 3 and 4');
  const last = await lease(c, 'jobs', 1000);
  assert.deepEqual([last.text, last.deliveryCount], ['5', 2], 'auto mode nacks the message the loop broke out on');
});

test('consume in auto mode acks each message when the loop asks for the next; a throwing loop loses nothing', async () => {
  await using env = await queueEnv();
  const c = await env.client();
  await c.createQueue('jobs', 20);
  await offerAll(c, 'jobs', ['a', 'b']);
  await assert.rejects(
    (async () => {
      for await (const m of c.consume('jobs', { ack: 'auto', pollTimeout: 50 })) {
        if (m.text === 'b') throw new Error('work failed');
      }
    })(),
    /work failed/,
  );
  await until(async () => (env.server.queueStatus('jobs').leased ?? 0) === 0, 'the nack of b');
  assert.equal(env.server.queueStatus('jobs').size, 1);
  assert.equal((await c.poll('jobs')).text, 'b');
});

test('queue limits are checked: a bad dead-letter queue name or maxDeliveries is refused', async () => {
  await using env = await queueEnv();
  const c = await env.client();
  await assert.rejects(c.createQueue('jobs', 10, { maxDeliveries: -1 }), (e: unknown) => isIpcError(e) && e.code === ErrorCode.INVALID_ARGUMENT);
  await assert.rejects(c.createQueue('jobs', 10, { deadLetterQueue: 'bad name' }), (e: unknown) => isIpcError(e) && e.code === ErrorCode.INVALID_QUEUE_NAME);
  await assert.rejects(env.server.createQueue('jobs', { capacity: 10, deadLetterQueue: 'jobs' }), (e: unknown) => isIpcError(e) && e.code === ErrorCode.QUEUE_NOT_PERMITTED);
});
