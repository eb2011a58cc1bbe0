/**
 * Review: lost or duplicated queue messages.
 *
 * Each test demonstrates one defect and fails until it is fixed. All use port 0, temp dirs,
 * and are bounded in time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, createServer, plainTextMessage } from '../../src/index.js';
import type { ClientCore } from '../../src/client/core.js';
import type { ServerCore } from '../../src/server/core.js';
import { QUEUE_FEATURE, type QueueFeature } from '../../src/server/queues.js';
import { FaultFs, tempDir } from '../wal/helpers.js';
import { until } from '../helpers/net.js';
import { drainTexts, walEnv } from '../durable/helpers.js';

function registryOf(server: unknown): QueueFeature['registry'] {
  return ((server as ServerCore).features.get(QUEUE_FEATURE) as QueueFeature).registry;
}

/*
 * Defect: MemoryQueue.requeue() (src/queue/memory-queue.ts:164-178) puts the message back in
 * memory and pumps it to a waiting poller *synchronously*, but re-logs it (journal.restore →
 * appendData) only in a later microtask. The waiting poller's ACK (journal.remove →
 * QueueLog.appendAck) finds no live DATA record for the id and writes nothing; then the
 * deferred restore writes a fresh DATA record. The message was consumed (and handed out) but
 * is live in the log: it comes back after a restart — a duplicate.
 */
test('durable requeue to a waiting poller is consumed but comes back after restart (duplicate)', { timeout: 20_000 }, async (t) => {
  const dir = await tempDir(t);
  const fs = new FaultFs();
  {
    await using env = await walEnv(dir, { walFileSystem: fs });
    await env.server.createQueue('q', { capacity: 10, durable: true });
    const producer = await env.client();
    const a = await env.client();
    const b = await env.client();
    assert.ok((await producer.offer('q', plainTextMessage('1', 'test', 'only-once', { durable: true }))).responseOk);

    // A takes the message; its ACK sync is held so that A can go away before the hand-out.
    fs.hold();
    const syncsBefore = fs.count('datasync');
    const pollA = a.poll('q', { timeout: 5000 }).catch((e: unknown) => e);
    await until(() => fs.count('datasync') > syncsBefore, 3000, 'the ACK sync of A');
    // B waits on the (now empty) queue.
    const pollB = b.poll('q', { timeout: 5000 });
    await until(() => registryOf(env.server).get('q')?.waiting.polls === 1, 3000, 'B waiting');
    // A disconnects while its ACK is being synced: the server puts the message back.
    (a as unknown as ClientCore).connection.destroy();
    await pollA;
    await until(() => env.server.connectionCount === 2, 3000, 'A gone on the server');
    fs.release();

    const got = await pollB;
    assert.equal(got.status, 'OK', 'B receives the requeued message');
    assert.equal(got.text, 'only-once');
    await sleep(300); // let the (deferred) re-log settle
    assert.equal(env.server.queueStatus('q').size, 0);
  }
  // Restart on the same WAL: the message was consumed by B and must not come back.
  await using env2 = await walEnv(dir);
  const c = await env2.client();
  assert.deepEqual(await drainTexts(c, 'q'), [], 'a message consumed by B came back after the restart');
});

/*
 * Defect: client.poll accepts a `responseTimeout` shorter than the queue wait
 * (src/client/queues.ts:75-77, 128-135). When it fires, the client forgets the request but
 * the server's poll keeps waiting; the next message offered is handed to that dead poll and
 * discarded by the client (unknown id) — lost, although both the poller and the queue are
 * alive. The docs only warn about `signal`, not about `responseTimeout`.
 */
test('poll whose client-side responseTimeout fired before the server wait ends loses the next message', { timeout: 15_000 }, async () => {
  await using server = await createServer({ port: 0 });
  await server.createQueue('q', { capacity: 10 });
  await using consumer = await connect({ uri: server.uri });
  await using producer = await connect({ uri: server.uri });

  // Fixed: a responseTimeout that does not outlast the wait by MIN_POLL_RESPONSE_MARGIN (1 s) is
  // refused before anything is sent (it used to reject with VIPC_ERR_TIMEOUT after 300 ms while
  // the server kept waiting), so no dead poll is left on the server to swallow the next message.
  await assert.rejects(consumer.poll('q', { timeout: 3000, responseTimeout: 300 }), (e: Error & { code?: string }) => e.code === 'VIPC_ERR_INVALID_OPTION');
  assert.equal(registryOf(server).get('q')?.waiting.polls, 0, 'no poll is left waiting on the server');
  const offered = await producer.offer('q', plainTextMessage('1', 'test', 'precious'));
  assert.ok(offered.responseOk);
  await sleep(200);
  const again = await consumer.poll('q', { timeout: 1000 });
  assert.equal(again.status, 'OK', 'the offered message was handed to a poll the client had already given up');
  assert.equal(again.text, 'precious');
});
