import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainTextMessage, type Client } from '../../src/index.js';
import type { ClientCore } from '../../src/client/core.js';
import { queueEnv } from '../helpers/queue-server.js';

test('many producers and consumers on one queue: every message exactly once, FIFO per producer', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('work', { capacity: 16 });
  const producers = await Promise.all(Array.from({ length: 4 }, () => env.client()));
  const consumers = await Promise.all(Array.from({ length: 4 }, () => env.client()));
  const perProducer = 300;
  const got: string[][] = consumers.map(() => []);
  let done = false;
  const consuming = consumers.map(async (c, ci) => {
    // several polls in flight per consumer connection
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!done || env.server.queueStatus('work').size > 0) {
          const res = await c.poll('work', { timeout: 100 });
          if (res.responseOk) got[ci]!.push(res.text);
          else assert.equal(res.status, 'QUEUE_EMPTY');
        }
      }),
    );
  });
  await Promise.all(
    producers.map(async (p, pi) => {
      for (let i = 0; i < perProducer; i++) {
        const res = await p.offer('work', plainTextMessage(String(i), 't', `${pi}:${i}`), { timeout: 5000 });
        assert.equal(res.status, 'OK');
      }
    }),
  );
  done = true;
  await Promise.all(consuming);
  const all = got.flat();
  assert.equal(all.length, 4 * perProducer);
  assert.equal(new Set(all).size, all.length, 'no duplicates');
  // The server hands messages out FIFO and answers in that order, so each consumer's stream
  // is a subsequence of the queue order: per producer, strictly increasing.
  for (const list of got) {
    for (let p = 0; p < 4; p++) {
      const seq = list.filter((s) => s.startsWith(`${p}:`)).map((s) => Number(s.split(':')[1]));
      assert.ok(seq.every((v, i) => i === 0 || v > (seq[i - 1] as number)), `FIFO of producer ${p}`);
    }
  }
  assert.equal(env.server.queueStatus('work').size, 0);
});

test('a single consumer sees each producer’s messages in the order they were offered', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('fifo', { capacity: 8 });
  const producers = await Promise.all(Array.from({ length: 3 }, () => env.client()));
  const consumer = await env.client();
  const n = 200;
  const offering = Promise.all(
    producers.map(async (p, pi) => {
      for (let i = 0; i < n; i++) assert.ok((await p.offer('fifo', plainTextMessage(null, 't', `${pi}:${i}`), { timeout: 5000 })).responseOk);
    }),
  );
  const got: string[] = [];
  while (got.length < 3 * n) {
    const res = await consumer.poll('fifo', { timeout: 2000 });
    assert.ok(res.responseOk, res.status);
    got.push(res.text);
  }
  await offering;
  for (let p = 0; p < 3; p++) {
    const seq = got.filter((s) => s.startsWith(`${p}:`)).map((s) => Number(s.split(':')[1]));
    assert.deepEqual(seq, Array.from({ length: n }, (_, i) => i));
  }
});

test('a waiting poll does not stall later requests of the same connection', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('slow', { capacity: 2 });
  await env.server.createQueue('fast', { capacity: 2 });
  const client = await env.client();
  const waiting = client.poll('slow', { timeout: 5000 });
  const t0 = Date.now();
  assert.ok((await client.offer('fast', plainTextMessage('1', 't', 'x'))).responseOk);
  assert.equal((await client.poll('fast')).text, 'x');
  assert.equal((await client.queueStatus('slow')).size, 0);
  assert.ok(Date.now() - t0 < 2000, 'answered while the poll waits');
  assert.ok((await client.offer('slow', plainTextMessage('2', 't', 'late'))).responseOk);
  assert.equal((await waiting).text, 'late');
});

test('poll timeouts expire while other clients keep offering to other queues', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('empty', { capacity: 1 });
  await env.server.createQueue('busy', { capacity: 1000 });
  const poller = await env.client();
  const producer = await env.client();
  let stop = false;
  const offering = (async () => {
    let i = 0;
    while (!stop) await producer.offer('busy', plainTextMessage(null, 't', String(i++)), { timeout: 0 });
  })();
  const t0 = Date.now();
  const res = await poller.poll('empty', { timeout: 150 });
  const took = Date.now() - t0;
  stop = true;
  await offering;
  assert.equal(res.status, 'QUEUE_EMPTY');
  assert.equal(res.text, 'Poll rejected! The queue is empty.');
  assert.ok(took >= 140 && took < 2000, `took ${took}ms`);
});

test('a bounded offer waits for space and answers QUEUE_FULL after its timeout', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('tiny', { capacity: 1 });
  const a = await env.client();
  const b = await env.client();
  assert.ok((await a.offer('tiny', plainTextMessage('1', 't', 'one'))).responseOk);
  const t0 = Date.now();
  const full = await a.offer('tiny', plainTextMessage('2', 't', 'two'), { timeout: 100 });
  assert.equal(full.status, 'QUEUE_FULL');
  assert.equal(full.text, 'Offer rejected! The queue is full.');
  assert.ok(Date.now() - t0 >= 90);
  const waiting = a.offer('tiny', plainTextMessage('3', 't', 'three'), { timeout: 5000 });
  assert.equal((await b.poll('tiny')).text, 'one');
  assert.ok((await waiting).responseOk);
  assert.equal((await b.poll('tiny')).text, 'three');
});

test('a consumer that disconnects mid-wait takes no message: it stays in the queue', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('jobs', { capacity: 5 });
  const consumer = await env.client();
  const producer = await env.client();
  const pending = consumer.poll('jobs', { timeout: 5000 });
  pending.catch(() => undefined); // rejected when the connection is destroyed
  await producer.queueStatus('jobs'); // the poll request has reached the server before this answer
  const closed = env.nextSessionClosed();
  (consumer as unknown as ClientCore).connection.destroy();
  await closed;
  await assert.rejects(pending, { code: 'VIPC_ERR_CONNECTION_CLOSED' });
  assert.ok((await producer.offer('jobs', plainTextMessage('1', 't', 'precious'))).responseOk);
  assert.equal(env.server.queueStatus('jobs').size, 1);
  assert.equal((await producer.poll('jobs')).text, 'precious');
});

test('server shutdown ends waiting polls and offers with QUEUE_ACCESS_INTERRUPTED', async () => {
  const env = await queueEnv({ closeTimeout: 2000 });
  let client: Client | undefined;
  try {
    await env.server.createQueue('q', { capacity: 1 });
    client = await env.client();
    await client.offer('q', plainTextMessage('1', 't', 'fill'));
    await env.server.createQueue('e', { capacity: 1 });
    const poll = client.poll('e', { timeout: 10_000 });
    const offer = client.offer('q', plainTextMessage('2', 't', 'wait'), { timeout: 10_000 });
    await client.queueStatus('q');
    const closing = env.server.close();
    const [p, o] = await Promise.all([poll, offer]);
    assert.equal(p.status, 'QUEUE_ACCESS_INTERRUPTED');
    assert.equal(p.text, 'Poll rejected! Queue access interrupted.');
    assert.equal(o.status, 'QUEUE_ACCESS_INTERRUPTED');
    assert.equal(o.text, 'Offer rejected! Queue access interrupted.');
    await closing;
  } finally {
    await env[Symbol.asyncDispose]();
  }
});
