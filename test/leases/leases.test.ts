import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, isIpcError, plainTextMessage } from '../../src/index.js';
import { queueEnv } from '../helpers/queue-server.js';
import { lease, offerAll, until } from './helpers.js';
import type { ClientCore } from '../../src/client/core.js';
import type { ServerCore } from '../../src/server/core.js';
import { queueRegistry } from '../../src/server/queues.js';

const isCode = (code: string) => (err: unknown) => isIpcError(err) && err.code === code;

test('a leased message stays in the queue until acked; the answer carries deliveryCount and the payload unchanged', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('jobs', { capacity: 10 });
  const c = await env.client();
  await offerAll(c, 'jobs', ['a']);
  const m = await lease(c, 'jobs', 10_000);
  assert.deepEqual([m.text, m.requestId, m.topic, m.deliveryCount, m.queueName], ['a', 'a', 'work', 1, 'jobs']);
  assert.ok(m.lease !== undefined && m.lease.until > Date.now());
  assert.equal(env.server.queueStatus('jobs').size, 1, 'the leased message still counts');
  assert.equal(env.server.queueStatus('jobs').leased, 1);
  assert.equal((await c.poll('jobs', { lease: 1000 })).status, 'QUEUE_EMPTY', 'not visible while leased');
  await c.ack(m);
  assert.equal(env.server.queueStatus('jobs').size, 0);
  await assert.rejects(c.ack(m), isCode(ErrorCode.LEASE_NOT_HELD), 'a second ack is refused');
});

test('a lease that runs out makes the message visible again at its original place, with deliveryCount 2', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('jobs', { capacity: 10 });
  const c = await env.client();
  await offerAll(c, 'jobs', ['a', 'b', 'c']);
  const a = await lease(c, 'jobs', 30);
  const b = await lease(c, 'jobs', 60_000);
  assert.equal(b.text, 'b');
  await until(async () => (env.server.queueStatus('jobs').leased ?? 0) === 1, 'the lease of a to run out');
  const again = await lease(c, 'jobs', 60_000);
  assert.deepEqual([again.text, again.deliveryCount], ['a', 2], 'a comes back before c');
  await assert.rejects(c.ack(a), isCode(ErrorCode.LEASE_NOT_HELD), 'the ack of the expired delivery is refused');
  await c.ack(again);
  await c.ack(b);
  assert.equal((await lease(c, 'jobs', 1000)).text, 'c');
});

test('a waiting lease poll is woken by the message whose lease ran out', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('jobs', { capacity: 10 });
  const c = await env.client();
  await offerAll(c, 'jobs', ['a']);
  await lease(c, 'jobs', 40);
  const again = await lease(c, 'jobs', 1000, 5000);
  assert.deepEqual([again.text, again.deliveryCount], ['a', 2]);
});

test('a connection that closes gives its leases back, each at its place', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('jobs', { capacity: 10 });
  const producer = await env.client();
  const consumer = await env.client();
  await offerAll(producer, 'jobs', ['a', 'b', 'c']);
  await lease(consumer, 'jobs', 60_000);
  await lease(consumer, 'jobs', 60_000);
  const closed = env.nextSessionClosed();
  await consumer.close();
  await closed;
  const got = [];
  for (let i = 0; i < 3; i++) {
    const m = await lease(producer, 'jobs', 60_000);
    got.push(`${m.text}${m.deliveryCount}`);
    await producer.ack(m);
  }
  assert.deepEqual(got, ['a2', 'b2', 'c1']);
});

test('nack puts the message back now, or after its delay, at its place; extend renews the lease', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('jobs', { capacity: 10 });
  const c = await env.client();
  await offerAll(c, 'jobs', ['a', 'b', 'c']);
  const a = await lease(c, 'jobs', 60_000);
  await c.nack(a);
  const a2 = await lease(c, 'jobs', 60_000);
  assert.deepEqual([a2.text, a2.deliveryCount], ['a', 2]);
  await c.nack(a2, { delay: 80 });
  const b = await lease(c, 'jobs', 60_000);
  assert.equal(b.text, 'b', 'a is delayed');
  assert.equal(env.server.queueStatus('jobs').delayed, 1);
  await c.nack(b); // b and c are visible; a, once due, goes before them
  await until(async () => (env.server.queueStatus('jobs').delayed ?? 0) === 0, 'the delay of a to pass');
  const a3 = await lease(c, 'jobs', 60_000);
  assert.deepEqual([a3.text, a3.deliveryCount], ['a', 3], 'after its delay a comes before b and c');
  assert.equal((await lease(c, 'jobs', 60_000)).text, 'b');
  const until1 = a3.lease!.until;
  const before = Date.now(); // server and client share this machine's clock
  const until2 = await c.extend(a3, 60_000);
  // The renewed lease runs 60 s from the extend (within the same millisecond as the poll it may equal until1).
  assert.ok(until2 >= before + 60_000 - 50 && until2 >= until1, `until ${until2} runs 60 s from ${before} (50 ms clock tolerance)`);
  assert.equal(a3.lease!.until, until2);
  assert.equal((await c.poll('jobs', { lease: 1000, timeout: 0 })).text, 'c', 'extended: a stays leased');
  assert.equal(env.server.queueStatus('jobs').leased, 3);
});

test('bad input gets coded answers and loses nothing', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('jobs', { capacity: 10 });
  const c = await env.client();
  const other = await env.client();
  await offerAll(c, 'jobs', ['a']);
  await assert.rejects(c.poll('jobs', { lease: 0 }), isCode(ErrorCode.INVALID_ARGUMENT));
  await assert.rejects(c.poll('jobs', { lease: 2 ** 53 }), isCode(ErrorCode.INVALID_ARGUMENT));
  await assert.rejects(c.poll('jobs', { lease: 1.5 }), isCode(ErrorCode.INVALID_ARGUMENT));
  const plain = plainTextMessage('x', 't', 'x');
  await assert.rejects(c.ack(plain), isCode(ErrorCode.INVALID_ARGUMENT), 'a message that was not leased');
  const m = await lease(c, 'jobs', 60_000);
  await assert.rejects(other.ack(m), isCode(ErrorCode.LEASE_NOT_HELD), "another connection's lease");
  await assert.rejects(other.nack(m), isCode(ErrorCode.LEASE_NOT_HELD));
  await assert.rejects(other.extend(m, 1000), isCode(ErrorCode.LEASE_NOT_HELD));
  await assert.rejects(c.extend(m, 0), isCode(ErrorCode.INVALID_ARGUMENT));
  await assert.rejects(c.nack(m, { delay: -1 }), isCode(ErrorCode.INVALID_ARGUMENT));
  // Raw extension requests the client would not send: lease 2^53, a made-up token.
  const { buildLeasePoll } = await import('../../src/client/leases.js');
  const raw = await (c as unknown as ClientCore).request(buildLeasePoll('jobs', 2 ** 53, 0));
  assert.equal(raw.status, 'BAD_REQUEST');
  assert.match(raw.text, /^VIPC_ERR_INVALID_ARGUMENT: /);
  // A nack loop: 200 times out and back, the message is never lost and its count grows.
  let cur = m;
  for (let i = 0; i < 200; i++) {
    await c.nack(cur);
    cur = await lease(c, 'jobs', 60_000);
  }
  assert.deepEqual([cur.text, cur.deliveryCount], ['a', 201]);
  assert.equal(env.server.queueStatus('jobs').size, 1);
});

test('a lease poller that aborts after sending its POLL loses nothing: the lease runs out', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('jobs', { capacity: 10 });
  const quitter = await env.client();
  const worker = await env.client();
  const ac = new AbortController();
  const pending = quitter.poll('jobs', { lease: 100, timeout: 10_000, signal: ac.signal });
  await until(async () => queueRegistry(env.server as unknown as ServerCore).get('jobs')?.waiting.polls === 1, 'the POLL to wait on the server');
  ac.abort();
  await assert.rejects(pending, isCode(ErrorCode.ABORTED));
  await offerAll(worker, 'jobs', ['precious']); // handed to the aborted poll on the server
  const m = await lease(worker, 'jobs', 60_000, 5000);
  assert.deepEqual([m.text, m.deliveryCount], ['precious', 2]);
});

test('a delayed offer becomes visible after its delay, at its place in the order of offers', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('jobs', { capacity: 10 });
  const c = await env.client();
  const r = await c.offer('jobs', plainTextMessage('late', 'work', 'late'), { delay: 60 });
  assert.equal(r.status, 'OK');
  await offerAll(c, 'jobs', ['now']);
  assert.equal((await c.poll('jobs')).text, 'now');
  assert.equal((await c.poll('jobs')).status, 'QUEUE_EMPTY');
  const late = await c.poll('jobs', { timeout: 5000 });
  assert.deepEqual([late.text, late.topics], ['late', ['work']], 'the delay topic never reaches the consumer');
  await assert.rejects(c.offer('jobs', plainTextMessage('x', 'w', 'x'), { delay: -5 }), isCode(ErrorCode.INVALID_ARGUMENT));
});
