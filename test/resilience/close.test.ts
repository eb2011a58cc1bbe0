/** Close semantics (issue 9 §5): closed resolving with the loss, close() draining, destroy(), AbortError, server.close() aborting handlers. */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { AbortError, connect, ConnectionError, createServer, ErrorCode, plainTextMessage, TimeoutError } from '../../src/index.js';
import { until } from '../helpers/net.js';
import { rejectsWith, within } from './helpers.js';

const never = (): Promise<never> => new Promise<never>(() => undefined);

test('client.closed and subscription.closed resolve with a coded error when the server goes away', async () => {
  const server = await createServer({ port: 0 });
  const client = await connect({ uri: server.uri });
  const sub = await client.subscribe('t');
  await server.close();
  const err = await within(client.closed, 5000, 'client.closed');
  assert.ok(err instanceof ConnectionError);
  assert.equal(err.code, ErrorCode.CONNECTION_CLOSED);
  assert.equal(await within(sub.closed, 5000, 'sub.closed'), err);
  assert.equal(client.running, false);
  await rejectsWith(client.send(plainTextMessage('1', 't', 'x')), ErrorCode.CONNECTION_CLOSED);
});

test('client.closed resolves undefined after close(), and a subscription ended by unsubscribe resolves undefined', async () => {
  await using server = await createServer({ port: 0 });
  const client = await connect({ uri: server.uri });
  const a = await client.subscribe('a');
  await a.unsubscribe();
  assert.equal(await a.closed, undefined);
  const b = await client.subscribe('b');
  await client.close();
  assert.equal(await client.closed, undefined);
  assert.equal(await b.closed, undefined);
});

test('close() drains: a pending call that finishes in time resolves; one that does not rejects with CLIENT_CLOSED at the close deadline', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await using server = await createServer({ port: 0, handler: async (m) => (m.topic === 'slow' ? never() : (await gate, m)) });
  const client = await connect({ uri: server.uri, timeout: 10_000 });
  const quick = client.send(plainTextMessage('1', 'quick', 'x'));
  const slow = client.send(plainTextMessage('2', 'slow', 'x'));
  await until(() => server.stats.messageCount >= 2, 5000, 'both requests reached the server');
  const t0 = Date.now();
  const closing = client.close({ timeout: 300 });
  await rejectsWith(client.send(plainTextMessage('3', 'quick', 'x')), ErrorCode.CLIENT_CLOSED);
  release();
  assert.equal((await quick).text, 'x');
  await rejectsWith(slow, ErrorCode.CLIENT_CLOSED);
  await closing;
  const took = Date.now() - t0;
  assert.ok(took < 5000, `close took ${took} ms with a 300 ms deadline`);
});

test('destroy() is immediate: pending calls reject with CLIENT_CLOSED, closed resolves with the given error', async () => {
  await using server = await createServer({ port: 0, handler: never });
  const client = await connect({ uri: server.uri });
  const p = client.send(plainTextMessage('1', 't', 'x'));
  await until(() => server.stats.messageCount >= 1, 5000, 'the request reached the server');
  const why = new Error('shutting down');
  client.destroy(why);
  client.destroy(); // idempotent
  await rejectsWith(p, ErrorCode.CLIENT_CLOSED);
  assert.equal(await client.closed, why);
  await rejectsWith(client.send(plainTextMessage('2', 't', 'x')), ErrorCode.CLIENT_CLOSED);
  await client.close(); // still fine after destroy
  await until(() => server.connectionCount === 0, 5000, 'the server saw the disconnect');
});

test('an aborted call rejects with an error named AbortError (code ABORTED); AbortSignal.timeout gives TimeoutError', async () => {
  await using server = await createServer({ port: 0, handler: never });
  await using client = await connect({ uri: server.uri });
  const ac = new AbortController();
  const p = client.send(plainTextMessage('1', 't', 'x'), { signal: ac.signal });
  ac.abort();
  await rejectsWith(p, ErrorCode.ABORTED, 'AbortError');
  await assert.rejects(client.send(plainTextMessage('2', 't', 'x'), { signal: AbortSignal.abort() }), AbortError);
  await assert.rejects(client.send(plainTextMessage('3', 't', 'x'), { signal: AbortSignal.timeout(20) }), (e: unknown) => e instanceof TimeoutError && e.name === 'TimeoutError');
});

test('server.close() aborts the handlers\' signals when it starts, so cooperative handlers stop before closeTimeout', async () => {
  let aborted = 0;
  const server = await createServer({
    port: 0,
    closeTimeout: 20_000,
    handler: (_m, ctx) =>
      new Promise((resolve) => {
        ctx.signal.addEventListener('abort', () => {
          aborted++;
          resolve(plainTextMessage(null, 'stopped', 'early'));
        });
      }),
  });
  const client = await connect({ uri: server.uri });
  const calls = [1, 2, 3].map((i) => client.send(plainTextMessage(String(i), 't', 'x')));
  await until(() => server.stats.messageCount >= 3, 5000, 'the requests reached the server');
  const t0 = Date.now();
  await server.close();
  assert.ok(Date.now() - t0 < 5000, 'close waited for the 20 s closeTimeout');
  assert.equal(aborted, 3);
  // The handlers' answers still go out before the connections close.
  assert.deepEqual((await Promise.all(calls)).map((r) => r.text), ['early', 'early', 'early']);
  await client.close();
});
