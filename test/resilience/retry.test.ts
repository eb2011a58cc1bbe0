/** Retries (issue 9 §2): backoff with full jitter, the retry budget, what is retried and what never is; configure() and stats(). */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { connect, createServer, ErrorCode, isIpcError, plainTextMessage } from '../../src/index.js';
import { backoffDelay, RetryBudget } from '../../src/util/backoff.js';
import { startProxy } from '../helpers/proxy.js';
import { until } from '../helpers/net.js';
import { rejectsWith } from './helpers.js';

test('full-jitter backoff stays within [0, min(maxDelay, initialDelay * factor^(n-1)))', () => {
  const p = { initialDelay: 100, maxDelay: 1000, factor: 2 };
  assert.equal(backoffDelay(p, 1, () => 0.999999), 99);
  assert.equal(backoffDelay(p, 3, () => 0.5), 200);
  assert.equal(backoffDelay(p, 10, () => 0.999999), 999); // capped
  assert.equal(backoffDelay(p, 10, () => 0), 0);
  const seen = new Set(Array.from({ length: 200 }, () => backoffDelay(p, 4)));
  assert.ok(seen.size > 50, 'delays are spread, not synchronized');
  for (const d of seen) assert.ok(d >= 0 && d < 800);
});

test('the retry budget allows ratio × calls plus a floor per second, then refuses', () => {
  let now = 0;
  const b = new RetryBudget({ ratio: 0.1, minPerSecond: 2 }, () => now);
  assert.equal(b.withdraw(), true); // floor
  assert.equal(b.withdraw(), true);
  assert.equal(b.withdraw(), false);
  for (let i = 0; i < 20; i++) b.deposit(); // 2 tokens
  assert.equal(b.withdraw(), true);
  assert.equal(b.withdraw(), true);
  assert.equal(b.withdraw(), false);
  now = 500; // the floor refills continuously: one more after half a second
  assert.equal(b.withdraw(), true);
  assert.equal(b.withdraw(), false);
  assert.deepEqual(b.counts, { allowed: 5, refused: 3 });
});

test('a write that timed out is retried with the same request id and the server answers it once (writes: true + idempotencyWindow)', async () => {
  let effects = 0;
  const ids = new Set<string | null>();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await using server = await createServer({
    port: 0,
    idempotencyWindow: 60_000,
    handler: async (m) => {
      effects++;
      ids.add(m.requestId);
      await gate;
      return m;
    },
  });
  await using client = await connect({ uri: server.uri, timeout: 100, retry: { attempts: 10, initialDelay: 10, maxDelay: 20, writes: true } });
  const p = client.send(plainTextMessage(null, 'pay', 'John $100'));
  // The client counts a retry before its backoff, so wait until the server has seen two of
  // them too (under load the answer could otherwise come before the second retry is sent).
  await until(() => client.stats().retries >= 2 && server.stats.idempotency.duplicates >= 2, 5000, 'two retries');
  release();
  const r = await p;
  assert.equal(r.text, 'John $100');
  assert.equal(effects, 1);
  assert.equal(ids.size, 1);
  assert.match(String([...ids][0]), /^[0-9a-f-]{36}$/); // filled in by the client
  assert.ok(server.stats.idempotency.duplicates >= 2);
});

test('writes are not retried unless asked (writes: false is the default), error answers never are', async () => {
  let effects = 0;
  await using server = await createServer({
    port: 0,
    handler: (m) => {
      effects++;
      if (m.topic === 'fail') throw new Error('boom');
      return new Promise<never>(() => undefined);
    },
  });
  await using client = await connect({ uri: server.uri, timeout: 100, retry: { attempts: 5, initialDelay: 1, maxDelay: 2 } });
  await rejectsWith(client.send(plainTextMessage('1', 'hang', 'x')), ErrorCode.TIMEOUT);
  assert.equal(effects, 1);
  const res = await client.send(plainTextMessage('2', 'fail', 'x'), { retry: { writes: true } });
  assert.equal(res.status, 'HANDLER_ERROR');
  assert.equal(effects, 2);
  assert.equal(client.stats().retries, 0);
});

test('reads are retried on timeout; the retry budget stops a storm', async () => {
  await using server = await createServer({ port: 0 });
  await using proxy = await startProxy(server.endpoint.kind === 'inet' ? server.endpoint.port : 0);
  await using client = await connect({ uri: proxy.uri, timeout: 50, retry: { attempts: 4, initialDelay: 1, maxDelay: 2, budget: { ratio: 0, minPerSecond: 1 } } });
  proxy.blackhole(true);
  const calls = await Promise.allSettled([client.serverStatus(), client.serverStatus(), client.serverStatus()]);
  for (const c of calls) assert.ok(c.status === 'rejected' && isIpcError(c.reason, ErrorCode.TIMEOUT));
  const s = client.stats();
  assert.equal(s.retries, 1, 'the floor of one retry per second');
  assert.ok(s.retriesRefused >= 2);
  assert.equal(s.operations['status']?.errors, 3);
  proxy.blackhole(false);
});

test('connect with retry waits for a server that is not up yet', async () => {
  await using server = await createServer({ port: 0, handler: (m) => m });
  await using proxy = await startProxy(server.endpoint.kind === 'inet' ? server.endpoint.port : 0);
  proxy.refuse(true);
  const c = connect({ uri: proxy.uri, retry: { attempts: 50, initialDelay: 10, maxDelay: 20 } });
  await until(() => proxy.counts.refused >= 2, 5000, 'two refused attempts');
  proxy.refuse(false);
  await using client = await c;
  assert.equal((await client.send(plainTextMessage('1', 't', 'up'))).text, 'up');
  proxy.refuse(true);
  await assert.rejects(connect({ uri: proxy.uri, retry: 2 }), (e: unknown) => isIpcError(e) && (e.code === ErrorCode.CONNECT_FAILED || e.code === ErrorCode.HANDSHAKE_FAILED));
});

test('configure() changes the timeout and retries at run time; stats() reports percentiles per operation', async () => {
  await using server = await createServer({ port: 0, handler: (m) => (m.topic === 'hang' ? new Promise<never>(() => undefined) : m) });
  await using client = await connect({ uri: server.uri });
  for (let i = 0; i < 20; i++) await client.send(plainTextMessage(String(i), 't', 'x'));
  const t0 = Date.now();
  client.configure({ timeout: 80 });
  await rejectsWith(client.send(plainTextMessage('h', 'hang', 'x')), ErrorCode.TIMEOUT);
  assert.ok(Date.now() - t0 < 5000);
  const s = client.stats().operations['send'];
  assert.ok(s !== undefined);
  assert.equal(s.count, 20);
  assert.equal(s.errors, 1);
  assert.ok(s.p50 > 0 && s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.max, JSON.stringify(s));
  assert.throws(() => client.configure({ timeout: -1 }), (e: unknown) => isIpcError(e, ErrorCode.INVALID_OPTION));
  assert.throws(() => client.configure({ retry: { attempts: 0 } }), (e: unknown) => isIpcError(e, ErrorCode.INVALID_OPTION));
  client.configure({ retry: { attempts: 3, initialDelay: 1, maxDelay: 1, writes: true } });
  await rejectsWith(client.send(plainTextMessage('h2', 'hang', 'x')), ErrorCode.TIMEOUT);
  assert.equal(client.stats().retries, 2);
});
