/** Server de-duplication by request id (`idempotencyWindow`) and the handler deadline (`handlerTimeout`). */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { connect, createServer, ErrorCode, isIpcError, plainTextMessage, type Message } from '../../src/index.js';
import { IdempotencyCache, IdempotencyStats } from '../../src/server/idempotency.js';
import type { RequestContext } from '../../src/server/core.js';
import { until } from '../helpers/net.js';

test('a repeated request id from the same principal and topic is answered from memory, not executed again', async () => {
  let effects = 0;
  await using server = await createServer({ port: 0, idempotencyWindow: 60_000, handler: (m) => m.with({ data: Buffer.from(String(++effects)) }) });
  await using client = await connect({ uri: server.uri });
  const a = await client.send(plainTextMessage('pay-1', 'pay', 'John $100'));
  const b = await client.send(plainTextMessage('pay-1', 'pay', 'John $100'));
  assert.equal(a.text, '1');
  assert.equal(b.text, '1');
  assert.notEqual(a.id, b.id); // each answer goes to its own request
  assert.equal((await client.send(plainTextMessage('pay-1', 'other-topic', 'x'))).text, '2');
  assert.equal((await client.send(plainTextMessage('pay-2', 'pay', 'x'))).text, '3');
  assert.equal((await client.send(plainTextMessage(null, 'pay', 'x'))).text, '4'); // no id: never de-duplicated
  assert.equal((await client.send(plainTextMessage(null, 'pay', 'x'))).text, '5');
  assert.equal(effects, 5);
  assert.equal(server.stats.idempotency.duplicates, 1);
  assert.equal(server.stats.idempotency.entries, 3);
  // The ipc-server/status keys stay Java's.
  const status = await client.serverStatus();
  assert.equal(Object.keys(status).some((k) => k.includes('idempot') || k.includes('duplicate')), false);
});

test('a repeat of a request still in progress waits for the original answer', async () => {
  let effects = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await using server = await createServer({ port: 0, idempotencyWindow: 60_000, handler: async (m) => (effects++, await gate, m) });
  await using c1 = await connect({ uri: server.uri });
  await using c2 = await connect({ uri: server.uri });
  const first = c1.send(plainTextMessage('x', 't', 'one'));
  await until(() => effects === 1, 5000, 'the original started');
  const second = c2.send(plainTextMessage('x', 't', 'two')); // another connection, same principal (anon)
  await until(() => server.stats.idempotency.joined === 1, 5000, 'the repeat joined');
  release();
  const [a, b] = await Promise.all([first, second]);
  assert.equal(a.text, 'one');
  assert.equal(b.text, 'one');
  assert.equal(effects, 1);
});

test('offers and publishes are de-duplicated too; a refused offer (queue full) may be repeated', async () => {
  await using server = await createServer({ port: 0, idempotencyWindow: 60_000 });
  await server.createQueue('q', { capacity: 1 });
  await using client = await connect({ uri: server.uri });
  assert.equal((await client.offer('q', plainTextMessage('o1', 't', 'a'))).status, 'OK');
  assert.equal((await client.offer('q', plainTextMessage('o1', 't', 'a'))).status, 'OK');
  assert.equal(server.queueStatus('q').size, 1);
  assert.equal((await client.offer('q', plainTextMessage('o2', 't', 'b'))).status, 'QUEUE_FULL');
  await client.poll('q');
  assert.equal((await client.offer('q', plainTextMessage('o2', 't', 'b'))).status, 'OK'); // not remembered as full
  const got: string[] = [];
  const sub = await client.subscribe('news', (m) => void got.push(m.text));
  await client.publish(plainTextMessage('p1', 'news', 'once'));
  await client.publish(plainTextMessage('p1', 'news', 'once'));
  await client.publish(plainTextMessage('p2', 'news', 'twice'));
  await until(() => got.length === 2, 5000, 'the pushes');
  assert.deepEqual(got, ['once', 'twice']);
  await sub.unsubscribe();
});

test('with idempotencyWindow off (the default) a repeated request id is executed again, as in Java', async () => {
  let effects = 0;
  await using server = await createServer({ port: 0, handler: (m) => (effects++, m) });
  await using client = await connect({ uri: server.uri });
  await client.send(plainTextMessage('1', 't', 'x'));
  await client.send(plainTextMessage('1', 't', 'x'));
  assert.equal(effects, 2);
});

test('the memory is bounded by entries and by bytes, oldest first, and forgets after the window', async () => {
  let now = 0;
  const stats = new IdempotencyStats();
  const cache = new IdempotencyCache({ window: 1000, maxEntries: 3, maxBytes: 1_000_000 }, stats, () => now);
  const ctx = { session: { principal: 'anon' } } as unknown as RequestContext;
  let runs = 0;
  const exec = (m: Message) => (): Message => (runs++, m);
  // Synchronous executions give synchronous results: nothing to await.
  const run = (m: Message): void => void cache.run(ctx, m, exec(m));
  const msg = (id: string, bytes = 1): Message => plainTextMessage(id, 't', 'x'.repeat(bytes)).with({ type: 'REQUEST' });
  for (const id of ['a', 'b', 'c', 'd']) run(msg(id));
  assert.equal(stats.entries, 3);
  assert.equal(stats.evicted, 1);
  run(msg('a')); // 'a' was evicted: runs again
  assert.equal(runs, 5);
  run(msg('d')); // remembered
  assert.equal(runs, 5);
  now = 2000;
  run(msg('d')); // window over
  assert.equal(runs, 6);
  const s2 = new IdempotencyStats();
  const bounded = new IdempotencyCache({ window: 60_000, maxEntries: 1000, maxBytes: 4000 }, s2, () => 0);
  for (let i = 0; i < 20; i++) void bounded.run(ctx, msg(`k${i}`, 1000), exec(msg(`k${i}`, 1000)));
  assert.ok(s2.bytes <= 4000, `${s2.bytes} bytes remembered`);
  assert.ok(s2.entries >= 1 && s2.entries < 20);
});

test('handlerTimeout answers HANDLER_ERROR at the deadline and aborts the handler signal; the connection stays usable', async () => {
  let aborted = 0;
  await using server = await createServer({
    port: 0,
    handlerTimeout: 100,
    maxInFlightPerConnection: 4,
    handler: (m, ctx) =>
      m.topic === 'hang'
        ? new Promise<never>(() => ctx.signal.addEventListener('abort', () => void aborted++))
        : m,
  });
  await using client = await connect({ uri: server.uri });
  // More hanging handlers than in-flight slots: without the deadline the connection would stall for good.
  const hung = await Promise.all(Array.from({ length: 8 }, (_, i) => client.send(plainTextMessage(String(i), 'hang', 'x'))));
  for (const r of hung) {
    assert.equal(r.status, 'HANDLER_ERROR');
    assert.match(r.text, /handler timeout of 100 ms/);
  }
  assert.equal(aborted, 8);
  assert.equal(server.stats.handlerTimeouts, 8);
  assert.equal((await client.send(plainTextMessage('ok', 'fine', 'y'))).text, 'y');
});

test('invalid resilience options are refused with INVALID_OPTION', async () => {
  for (const o of [{ idempotencyWindow: -1 }, { handlerTimeout: Number.NaN }, { idempotencyMaxEntries: 0 }]) {
    await assert.rejects(createServer({ port: 0, ...o }), (e: unknown) => isIpcError(e, ErrorCode.INVALID_OPTION));
  }
});
