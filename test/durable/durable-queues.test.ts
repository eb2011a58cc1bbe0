/** Durable queues on a server with a write-ahead log: creation, logging rules, restart, removal, status. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, dumpWalDir, plainTextMessage, RequestError, type Client } from '../../src/index.js';
import type { ClientCore } from '../../src/client/core.js';
import { buildManagement } from '../../src/client/queues.js';
import { tempDir } from '../wal/helpers.js';
import { drainTexts, walEnv } from './helpers.js';

const NO_WAL = 'Cannot create a durable queue, if write-ahead-log is not activated on the server!';

const msg = (i: number, durable: boolean): ReturnType<typeof plainTextMessage> => plainTextMessage(String(i), 'test', `hello ${i}`).with({ durable });

async function offer(c: Client, q: string, i: number, durable: boolean): Promise<string> {
  const r = await c.offer(q, msg(i, durable), { timeout: 300 });
  assert.equal(r.status, 'OK', r.text);
  return r.text;
}

test('durable messages survive a restart in order; non-durable ones and polled ones do not (seed example 08)', async (t) => {
  const dir = await tempDir(t);
  {
    await using env = await walEnv(dir);
    await env.server.createQueue('testq', { capacity: 100, durable: true });
    const c = await env.client();
    assert.equal(await offer(c, 'testq', 1, true), 'Offered the message to the queue testq (durable: true).');
    await offer(c, 'testq', 2, true);
    assert.equal(await offer(c, 'testq', 3, false), 'Offered the message to the queue testq (durable: false).');
    await offer(c, 'testq', 4, true);
    assert.equal((await c.poll('testq', { timeout: 300 })).text, 'hello 1');
    assert.equal(env.server.queueStatus('testq').size, 3);
  }
  // Only #2 and #4 are in the log (never #3), with their ids.
  const [dumped] = await dumpWalDir(dir);
  assert.equal(dumped?.entries.length, 2);
  {
    await using env = await walEnv(dir);
    // Recovered before listening; a create of the existing queue is a no-op.
    assert.deepEqual(env.server.queueStatus('testq'), { name: 'testq', exists: true, type: 'BOUNDED', temporary: false, durable: true, capacity: 100, size: 2 });
    await env.server.createQueue('testq', { capacity: 5, durable: true });
    assert.equal(env.server.queueStatus('testq').capacity, 100);
    const c = await env.client();
    const r = await c.poll('testq', { timeout: 300 });
    assert.equal(r.text, 'hello 2');
    assert.equal(r.requestId, '2');
    assert.equal(r.durable, true);
    assert.equal(r.topic, 'test');
    assert.equal((await c.poll('testq', { timeout: 300 })).text, 'hello 4');
    assert.equal((await c.poll('testq', { timeout: 0 })).status, 'QUEUE_EMPTY');
  }
});

test('the OK text says durable only for a durable message in a durable queue', async (t) => {
  await using env = await walEnv(await tempDir(t));
  await env.server.createQueue('d', { capacity: 10, durable: true });
  await env.server.createQueue('b', { capacity: 10 });
  const c = await env.client();
  assert.equal(await offer(c, 'd', 1, true), 'Offered the message to the queue d (durable: true).');
  assert.equal(await offer(c, 'b', 1, true), 'Offered the message to the queue b (durable: false).');
  assert.equal(await offer(c, 'd', 2, false), 'Offered the message to the queue d (durable: false).');
});

test('clients create durable queues, also with bounded: false on the wire (durable bounded, as Java)', async (t) => {
  const dir = await tempDir(t);
  {
    await using env = await walEnv(dir);
    const c = await env.client();
    await c.createQueue('dq/a', 7, { durable: true });
    const res = await (c as unknown as ClientCore).request(
      buildManagement('CREATE_QUEUE', 'queue/create', '{"durable":true,"name":"dq/b","bounded":false,"capacity":3}'),
    );
    assert.equal(res.status, 'OK', res.text);
    const s = await c.queueStatus('dq/b');
    assert.deepEqual(s, { name: 'dq/b', exists: true, type: 'BOUNDED', temporary: false, durable: true, capacity: 3, size: 0 });
    await offer(c, 'dq/b', 1, true);
    assert.deepEqual((await readdir(dir)).sort(), ['dq$a.wal', 'dq$b.wal']);
  }
  await using env = await walEnv(dir);
  assert.equal(env.server.queueStatus('dq/b').size, 1);
  assert.equal(env.server.queueStatus('dq/a').capacity, 7);
});

test('without a WAL durable queues are refused: coded error on the server, BAD_REQUEST for clients', async () => {
  await using server = await createServer({ port: 0 });
  await assert.rejects(server.createQueue('x', { capacity: 1, durable: true }), { code: 'VIPC_ERR_WAL_DISABLED', message: NO_WAL });
  const { connect } = await import('../../src/index.js');
  await using c = await connect({ uri: server.uri });
  await assert.rejects(c.createQueue('x', 1, { durable: true }), (err: unknown) => {
    assert.ok(err instanceof RequestError);
    assert.equal(err.status, 'BAD_REQUEST');
    assert.ok(err.message.includes(NO_WAL), err.message);
    return true;
  });
  const status = await c.serverStatus();
  assert.equal(status['write-ahead-log-dir'], '-');
  assert.equal(status['write-ahead-log-count'], 0);
});

test('a durable circular queue is refused; a missing WAL directory is a coded error', async (t) => {
  const dir = await tempDir(t);
  await using env = await walEnv(dir);
  await assert.rejects(env.server.createQueue('c', { capacity: 1, type: 'circular', durable: true }), { code: 'VIPC_ERR_QUEUE_NOT_PERMITTED' });
  await assert.rejects(createServer({ port: 0, walDir: join(dir, 'missing') }), {
    code: 'VIPC_ERR_INVALID_OPTION',
    message: `The write-ahead log directory ${join(dir, 'missing')} does not exist`,
  });
});

test('removing a durable queue (server or client) deletes its log; it does not come back', async (t) => {
  const dir = await tempDir(t);
  {
    await using env = await walEnv(dir);
    const c = await env.client();
    await env.server.createQueue('a', { capacity: 5, durable: true });
    await c.createQueue('b', 5, { durable: true });
    await offer(c, 'a', 1, true);
    await offer(c, 'b', 1, true);
    assert.deepEqual((await readdir(dir)).sort(), ['a.wal', 'b.wal']);
    await env.server.removeQueue('a');
    await c.removeQueue('b');
    assert.deepEqual(await readdir(dir), []);
    assert.equal((await c.serverStatus())['write-ahead-log-count'], 0);
    // A queue of the same name can be created again, with a fresh log.
    await c.createQueue('b', 2, { durable: true });
    assert.equal(env.server.queueStatus('b').size, 0);
  }
  await using env = await walEnv(dir);
  assert.equal(env.server.existsQueue('a'), false);
  assert.equal(env.server.queueStatus('b').size, 0);
});

test('ipc-server/status reports the absolute WAL directory, the log count and no failed queues', async (t) => {
  const dir = await tempDir(t);
  await using env = await walEnv(join(dir, '.', '..', dir.split('/').pop() as string));
  await env.server.createQueue('a', { capacity: 5, durable: true });
  await env.server.createQueue('b', { capacity: 5 });
  const c = await env.client();
  const s = await c.serverStatus();
  assert.equal(s['write-ahead-log-dir'], dir);
  assert.equal(s['write-ahead-log-count'], 1);
  assert.equal(s['write-ahead-log-failed-queues'], undefined, 'only Venice keys in ipc-server/status');
  assert.deepEqual((await c.extendedStatus()).wal?.failedQueues, []);
  assert.ok(Object.keys(s).indexOf('write-ahead-log-dir') < Object.keys(s).indexOf('hearbeat-interval'), 'Venice key order kept');
});

test('close() with offers in flight: every acknowledged offer is in the log', async (t) => {
  const dir = await tempDir(t);
  const env = await walEnv(dir);
  await env.server.createQueue('q', { capacity: 100, durable: true });
  const c = await env.client();
  const pending = Array.from({ length: 50 }, (_, i) => c.offer('q', msg(i, true), { timeout: 0 }).then((r) => (r.responseOk ? String(i) : undefined), () => undefined));
  await env[Symbol.asyncDispose]();
  const acked = (await Promise.all(pending)).filter((x) => x !== undefined);
  const [q] = await dumpWalDir(dir);
  const logged = (q?.entries ?? []).map((e) => e.id);
  assert.ok(logged.length >= acked.length, `${acked.length} acknowledged, ${logged.length} logged`);
  assert.ok(logged.length <= 50);
  // The server is closed: the logs are closed too (a new server opens the directory at once).
  await using again = await walEnv(dir);
  assert.equal(again.server.queueStatus('q').size, logged.length);
});

test('an expired message found at start is dropped (and ACKed in the log)', async (t) => {
  const dir = await tempDir(t);
  {
    await using env = await walEnv(dir);
    await env.server.createQueue('e', { capacity: 5, durable: true });
    const c = await env.client();
    const soon = plainTextMessage('x', 't', 'already expired', { expiresAt: Date.now() - 1000, durable: true });
    assert.equal((await c.offer('e', soon)).status, 'OK');
    await offer(c, 'e', 2, true);
  }
  {
    await using env = await walEnv(dir);
    assert.equal(env.server.queueStatus('e').size, 1);
    assert.deepEqual(await drainTexts(await env.client(), 'e'), ['hello 2']);
  }
  assert.deepEqual((await dumpWalDir(dir))[0]?.entries, []);
});

test('concurrent durable creates of one name from several clients: all OK, one queue, one log', async (t) => {
  const dir = await tempDir(t);
  await using env = await walEnv(dir);
  const clients = await Promise.all([env.client(), env.client(), env.client()]);
  await Promise.all([...clients.map((c) => c.createQueue('same', 4, { durable: true })), env.server.createQueue('same', { capacity: 9, durable: true })]);
  assert.deepEqual(await readdir(dir), ['same.wal']);
  assert.equal(env.server.queueStatus('same').durable, true);
  await offer(clients[0]!, 'same', 1, true);
  assert.equal(env.wal.logStats('same')?.records, 1);
});
