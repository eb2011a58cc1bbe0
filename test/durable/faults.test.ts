/**
 * Acknowledged means on disk: a failing write or fdatasync of a durable queue's log (injected
 * through the WalFileSystem seam) never produces an OK, the message is not served, and the
 * queue refuses durable messages afterwards and says so in its status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainTextMessage, type Client, type Message } from '../../src/index.js';
import { FaultFs, tempDir } from '../wal/helpers.js';
import { drainTexts, walEnv } from './helpers.js';

const durable = (i: number): Message => plainTextMessage(String(i), 'test', `hello ${i}`, { durable: true });

function offerAll(c: Client, from: number, to: number): Promise<Message[]> {
  const out: Promise<Message>[] = [];
  for (let i = from; i <= to; i++) out.push(c.offer('q', durable(i), { timeout: 0 }));
  return Promise.all(out);
}

for (const fault of [
  { op: 'writev', partial: false, what: 'a failing write' },
  { op: 'writev', partial: true, what: 'a short write followed by an error' },
  { op: 'datasync', partial: false, what: 'a failing fdatasync' },
] as const) {
  test(`${fault.what}: no OK for the affected offers, nothing served, later offers refused, restart has only acknowledged ones`, async (t) => {
    const dir = await tempDir(t);
    const fs = new FaultFs();
    {
      await using env = await walEnv(dir, { walFileSystem: fs });
      await env.server.createQueue('q', { capacity: 100, durable: true });
      const c = await env.client();
      assert.ok((await offerAll(c, 1, 3)).every((r) => r.responseOk));
      fs.failOn(fault.op, 1, { partial: fault.partial, pathIncludes: 'q.wal' });
      // 20 offers in flight: the first batch fails, every later one is refused; no OK at all.
      const failed = await offerAll(c, 4, 23);
      for (const r of failed) {
        assert.equal(r.status, 'HANDLER_ERROR');
        assert.match(r.text, /^Failed to handle request of type OFFER!\nWalError: Offer rejected! (Writing the write-ahead log of the durable queue q failed|The write-ahead log of the durable queue q failed earlier)/);
      }
      assert.match(failed[0]!.text, /injected/);
      assert.equal(env.server.queueStatus('q').size, 3, 'the failed offers are not in the queue');
      const later = await c.offer('q', durable(99), { timeout: 0 });
      assert.equal(later.status, 'HANDLER_ERROR');
      assert.match(later.text, /Offer rejected! The write-ahead log of the durable queue q failed earlier \(.*\); durable messages are refused until the queue is removed or the server is restarted\./);
      // Reported: queue status (extra member walError) and server status.
      const st = env.server.queueStatus('q');
      assert.match(st.walError ?? '', /injected|Cannot append/);
      assert.equal((await c.queueStatus('q')).durable, true);
      assert.deepEqual((await c.extendedStatus()).wal?.failedQueues, ['q']);
      // Durable messages cannot be consumed any more (their ACK cannot be written): they stay.
      const poll = await c.poll('q', { timeout: 0 });
      assert.equal(poll.status, 'HANDLER_ERROR');
      assert.match(poll.text, /Poll rejected! The write-ahead log of the durable queue q failed earlier/);
      assert.equal(env.server.queueStatus('q').size, 3);
      // A non-durable message is still accepted (in memory, as promised by its OK text).
      const nd = await c.offer('q', plainTextMessage('nd', 'test', 'not durable'), { timeout: 0 });
      assert.equal(nd.text, 'Offered the message to the queue q (durable: false).');
    }
    // After a restart on the real file system: exactly the acknowledged messages.
    await using env = await walEnv(dir);
    assert.deepEqual(await drainTexts(await env.client(), 'q'), ['hello 1', 'hello 2', 'hello 3']);
    assert.equal(env.server.queueStatus('q').walError, undefined);
  });
}

test('a failing ACK sync fails the poll; the message stays and is served after a restart', async (t) => {
  const dir = await tempDir(t);
  const fs = new FaultFs();
  {
    await using env = await walEnv(dir, { walFileSystem: fs });
    await env.server.createQueue('q', { capacity: 10, durable: true });
    const c = await env.client();
    assert.ok((await offerAll(c, 1, 2)).every((r) => r.responseOk));
    fs.failOn('datasync', 1, { pathIncludes: 'q.wal' });
    const r = await c.poll('q', { timeout: 0 });
    assert.equal(r.status, 'HANDLER_ERROR');
    assert.match(r.text, /Poll rejected! Writing the write-ahead log of the durable queue q failed/);
    assert.equal(env.server.queueStatus('q').size, 2);
  }
  await using env = await walEnv(dir);
  assert.deepEqual(await drainTexts(await env.client(), 'q'), ['hello 1', 'hello 2']);
});

test('a failed queue can be removed (its log deleted) and created again with a working log', async (t) => {
  const dir = await tempDir(t);
  const fs = new FaultFs();
  await using env = await walEnv(dir, { walFileSystem: fs });
  await env.server.createQueue('q', { capacity: 10, durable: true });
  const c = await env.client();
  fs.failOn('datasync', 1, { pathIncludes: 'q.wal' });
  assert.equal((await c.offer('q', durable(1))).status, 'HANDLER_ERROR');
  await c.removeQueue('q');
  await c.createQueue('q', 10, { durable: true });
  assert.equal((await c.offer('q', durable(2))).status, 'OK');
  assert.equal(env.server.queueStatus('q').walError, undefined);
  assert.deepEqual((await c.extendedStatus()).wal?.failedQueues, []);
});

test('no OK leaves the server before its record is synced (datasync held)', async (t) => {
  const dir = await tempDir(t);
  const fs = new FaultFs();
  await using env = await walEnv(dir, { walFileSystem: fs });
  await env.server.createQueue('q', { capacity: 100, durable: true });
  const c = await env.client();
  fs.hold();
  let answered = 0;
  const pending = Array.from({ length: 10 }, (_, i) => c.offer('q', durable(i), { timeout: 0 }).then((r) => (answered++, r)));
  // Wait until the batch reached fdatasync; nothing may be answered while it is held.
  const deadline = Date.now() + 3000;
  while (!fs.events.some((e) => e.op === 'datasync' && e.path.endsWith('q.wal'))) {
    if (Date.now() > deadline) throw new Error('no datasync');
    await new Promise((r) => setImmediate(r));
  }
  await c.queueStatus('q'); // a round trip through the server while the sync is held
  assert.equal(answered, 0);
  assert.equal(env.server.queueStatus('q').size, 0, 'not visible before the sync');
  fs.release();
  const res = await Promise.all(pending);
  assert.ok(res.every((r) => r.responseOk));
  assert.equal(env.wal.logStats('q')?.records, 10);
});
