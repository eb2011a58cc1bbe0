import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainTextMessage, type Message, type Subscription } from '../../src/index.js';
import { deferred } from '../../src/util/deferred.js';
import { harness, within } from './helpers.js';

test('breaking out of for await unsubscribes on the server', { timeout: 20_000 }, async () => {
  await using h = await harness();
  const [sub, pub] = await Promise.all([h.client(), h.client()]);
  const s = await sub.subscribe(['a', 'b']);
  assert.equal(h.pubsub.subscriberCount('a'), 1);
  await pub.publish(plainTextMessage(null, 'a', 'first'));
  await pub.publish(plainTextMessage(null, 'b', 'second'));
  const seen: string[] = [];
  for await (const m of s) {
    seen.push(m.text);
    if (seen.length === 1) break;
  }
  assert.deepEqual(seen, ['first']);
  assert.equal(s.isClosed, true);
  assert.equal(await s.closed, undefined);
  assert.equal(h.pubsub.subscriberCount('a'), 0, 'the loop waited for the UNSUBSCRIBE answer');
  assert.equal(h.pubsub.subscriberCount('b'), 0);
  assert.equal((await sub.serverStatus())['subscription-client-count'], 0);
});

test('await using unsubscribes at the end of the block', { timeout: 20_000 }, async () => {
  await using h = await harness();
  const c = await h.client();
  {
    await using s = await c.subscribe('x');
    assert.equal(s.response.text, 'Subscribed to the topics.');
    assert.equal(h.pubsub.subscriberCount('x'), 1);
  }
  assert.equal(h.pubsub.subscriberCount('x'), 0);
});

test('closing the client ends its iterators and handler subscriptions', { timeout: 20_000 }, async () => {
  await using h = await harness();
  const [sub, pub] = await Promise.all([h.client(), h.client()]);
  const it = await sub.subscribe('a');
  const withHandler = await sub.subscribe('b', () => undefined);
  const loop = (async (): Promise<string[]> => {
    const got: string[] = [];
    for await (const m of it) got.push(m.text);
    return got;
  })();
  await pub.publish(plainTextMessage(null, 'a', 'before close'));
  await sub.serverStatus(); // the push is in before this answer
  await sub.close();
  assert.deepEqual(await within(loop, 5000, 'the loop to end'), ['before close']);
  assert.equal(await within(it.closed, 5000, 'closed'), undefined);
  assert.equal(withHandler.isClosed, true);
  await assert.rejects(sub.subscribe('c'), { code: 'VIPC_ERR_CLIENT_CLOSED' });
  await it.unsubscribe(); // idempotent, sends nothing
});

test('handler errors are caught and counted; the client keeps working', { timeout: 20_000 }, async () => {
  await using h = await harness({ handler: (m) => m });
  const [sub, pub] = await Promise.all([h.client(), h.client()]);
  const errors: unknown[] = [];
  const done = deferred<void>();
  let calls = 0;
  const s = await sub.subscribe(
    't',
    async (m: Message) => {
      calls++;
      if (m.text === 'sync') throw new Error('boom');
      if (m.text === 'async') return Promise.reject(new Error('later boom'));
      done.resolve();
      return undefined;
    },
    { onHandlerError: (err) => errors.push(err) },
  );
  for (const t of ['sync', 'async', 'fine']) await pub.publish(plainTextMessage(null, 't', t));
  await within(done.promise, 5000, 'the third push');
  assert.equal(calls, 3);
  assert.equal(s.handlerErrors, 2);
  assert.deepEqual(errors.map((e) => (e as Error).message), ['boom', 'later boom']);
  assert.equal((await sub.send(plainTextMessage(null, 'echo', 'alive'))).text, 'alive');
});

test('a slow handler delays no response; pushes beyond the buffer are dropped and counted', { timeout: 20_000 }, async () => {
  await using h = await harness({ handler: (m) => m });
  const [sub, pub] = await Promise.all([h.client(), h.client()]);
  const release = deferred<void>();
  const handled: string[] = [];
  const slowNotices: Subscription[] = [];
  const s = await sub.subscribe(
    'slow',
    async (m: Message) => {
      await release.promise; // a handler stuck until the test lets it go
      handled.push(m.text);
    },
    { bufferSize: 10, onSlowConsumer: (x) => slowNotices.push(x) },
  );
  for (let i = 0; i < 50; i++) await pub.publish(plainTextMessage(null, 'slow', String(i)));
  // Requests of the subscribing client are answered while its handler is stuck.
  const echo = await within(sub.send(plainTextMessage(null, 'echo', 'not delayed')), 2000, 'the echo');
  assert.equal(echo.text, 'not delayed');
  assert.equal(s.received, 50, 'every push arrived before the echo answer');
  assert.ok(s.dropped >= 39 && s.dropped <= 40, `dropped ${s.dropped}`);
  assert.equal(slowNotices.length, 1, 'the slow consumer is reported once');
  assert.equal(slowNotices[0], s);
  release.resolve();
  await s.unsubscribe();
  assert.equal(handled.length, 50 - s.dropped, 'buffered pushes are still handed out after unsubscribe');
  assert.deepEqual(handled.slice(0, 3), ['0', '1', '2'], 'in order');
});

test('a slow for-await loop delays no response either', { timeout: 20_000 }, async () => {
  await using h = await harness({ handler: (m) => m });
  const [sub, pub] = await Promise.all([h.client(), h.client()]);
  const s = await sub.subscribe('t', { bufferSize: 5 });
  const gate = deferred<void>();
  const loop = (async (): Promise<number> => {
    let n = 0;
    for await (const _m of s) {
      n++;
      await gate.promise;
      if (n === 5) break;
    }
    return n;
  })();
  for (let i = 0; i < 20; i++) await pub.publish(plainTextMessage(null, 't', String(i)));
  assert.equal((await within(sub.send(plainTextMessage(null, 'e', 'quick')), 2000, 'echo')).text, 'quick');
  assert.ok(s.dropped >= 14, `dropped ${s.dropped}`);
  gate.resolve();
  assert.equal(await within(loop, 5000, 'loop'), 5);
});

test('a subscription is consumed by one consumer only', { timeout: 20_000 }, async () => {
  await using h = await harness();
  const c = await h.client();
  const withHandler = await c.subscribe('h', () => undefined);
  assert.throws(() => withHandler[Symbol.asyncIterator](), { code: 'VIPC_ERR_INVALID_ARGUMENT' });
  const s = await c.subscribe('i');
  const first = s[Symbol.asyncIterator]();
  assert.throws(() => s[Symbol.asyncIterator](), { code: 'VIPC_ERR_INVALID_ARGUMENT' });
  await first.return?.();
  await s.unsubscribe();
  await assert.rejects(c.subscribe('x', { bufferSize: 0 }), { code: 'VIPC_ERR_INVALID_OPTION' });
});

test('pushes beyond bufferBytes are dropped and counted; a push larger than the budget still reaches a consumer that keeps up', { timeout: 20_000 }, async () => {
  await using h = await harness({ handler: (m) => m });
  const [sub, pub] = await Promise.all([h.client(), h.client()]);
  const release = deferred<void>();
  const handled: string[] = [];
  const slowNotices: Subscription[] = [];
  const s = await sub.subscribe(
    'bytes',
    async (m: Message) => {
      await release.promise;
      handled.push(m.text.slice(0, 3));
    },
    { bufferBytes: '4KB', onSlowConsumer: (x) => slowNotices.push(x) },
  );
  const kib = 'x'.repeat(1021);
  for (let i = 0; i < 20; i++) await pub.publish(plainTextMessage(null, 'bytes', `${String(i).padStart(3, '0')}${kib}`));
  await within(sub.send(plainTextMessage(null, 'echo', 'sync')), 2000, 'the echo');
  assert.equal(s.received, 20);
  assert.ok(s.pendingBytes <= 4096, `pending ${s.pendingBytes} bytes`);
  assert.equal(s.pending, 4, 'four 1 KiB pushes fit the 4 KiB budget');
  assert.ok(s.dropped >= 15 && s.dropped <= 16, `dropped ${s.dropped}`);
  assert.equal(slowNotices.length, 1);
  release.resolve();
  await s.unsubscribe();
  assert.equal(handled.length, 20 - s.dropped);
  assert.equal(s.pendingBytes, 0);

  const big = await sub.subscribe('big', { bufferBytes: 100 });
  await pub.publish(plainTextMessage(null, 'big', 'y'.repeat(1000)));
  for await (const m of big) {
    assert.equal(m.text.length, 1000, 'a push larger than bufferBytes is buffered when nothing else waits');
    break;
  }
  assert.equal(big.dropped, 0);
  await assert.rejects(sub.subscribe('x', { bufferBytes: 0 }), { code: 'VIPC_ERR_INVALID_OPTION' });
  await assert.rejects(sub.subscribe('x', { bufferBytes: 'lots' }), { code: 'VIPC_ERR_INVALID_SIZE' });
});
