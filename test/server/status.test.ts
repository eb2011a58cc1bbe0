// ipc-server/status answers with exactly the keys of the Java 1.12.71 server (SEMANTICS §12.1);
// the venice-ipc figures are in the extended status, which only an explicit call asks for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, plainTextMessage } from '../../src/index.js';
import { VENICE_STATUS_KEYS } from '../../src/server/status.js';

/** The keys as SEMANTICS §12.1 lists them, in order (copied here so the test does not trust the constant). */
const JAVA_KEYS = [
  'running', 'encryption', 'max-queues', 'message-size-max', 'permit-client-queue-mgmt', 'compression-cutoff-size',
  'write-ahead-log-dir', 'write-ahead-log-count', 'hearbeat-interval', 'logger-enabled', 'logger-file',
  'error-queue-capacity', 'publish-queue-capacity', 'connection_count', 'message-count', 'publish-count',
  'response-discarded-count', 'publish-discarded-count', 'subscription-client-count', 'subscription-topic-count',
  'queue-count', 'temp-queue-count', 'temp-queue-this-client-count', 'socket-snd-buf-size', 'socket-rcv-buf-size',
];

test('ipc-server/status has exactly the Java keys, with a WAL, subscriptions and queues in use', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vipc-status-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.deepEqual(VENICE_STATUS_KEYS, JAVA_KEYS);
  await using server = await createServer({ port: 0, walDir: dir });
  await using c = await connect({ uri: server.uri });
  await c.createQueue('d', 5, { durable: true });
  await c.createTemporaryQueue(5);
  await c.subscribe('news', () => undefined);
  await c.publish(plainTextMessage('1', 'news', 'x'));
  const status = await c.serverStatus();
  assert.deepEqual(Object.keys(status), JAVA_KEYS);
  assert.equal(status['queue-count'], 2);
  assert.equal(status['write-ahead-log-count'], 1);
  assert.equal(status['subscription-topic-count'], 1);

  const ext = await c.extendedStatus();
  assert.equal(ext['publish-this-client-count'], 1);
  assert.equal(ext['publish-discarded-this-client-count'], 0);
  assert.equal(await c.publishDiscardedCount(), 0);
  assert.deepEqual(ext.queues.map((q) => [q.name, q.durable, q.temporary]).sort((a, b) => Number(a[2]) - Number(b[2])), [
    ['d', true, false],
    [ext.queues.find((q) => q.temporary)?.name, false, true],
  ]);
  assert.deepEqual(ext.topics.map((x) => [x.topic, x.subscribers]), [['news', 1]]);
  assert.equal(ext.connections.length, 1);
  assert.deepEqual(ext.wal?.failedQueues, []);
  assert.deepEqual(Object.keys(ext.venice), JAVA_KEYS);
});

test('the extended status lists no queues to a client when client queue management is off', async () => {
  await using server = await createServer({ port: 0, permitClientQueueMgmt: false });
  await server.createQueue('secret', { capacity: 1 });
  await using c = await connect({ uri: server.uri });
  const ext = await c.extendedStatus();
  assert.deepEqual(ext.queues, []);
  assert.equal(ext.venice['queue-count'], 1, 'the Venice count is still there, as in ipc-server/status');
});
