/**
 * Review finding, fixed: client close() with a long poll in flight returns within the
 * client's request timeout; the server puts back a message polled for a closed connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, ErrorCode, isIpcError, plainTextMessage } from '../../src/index.js';
import { until } from '../helpers/net.js';

test('client close() with a long poll in flight returns within the request timeout', { timeout: 20_000 }, async () => {
  await using server = await createServer({ port: 0 });
  await server.createQueue('q', { capacity: 10 });
  const client = await connect({ uri: server.uri, timeout: 1000 });
  const before = server.stats.messageCount;
  const poll = client.poll('q', { timeout: 60_000 }).then(
    () => 'answered',
    (e: unknown) => (isIpcError(e) ? e.code : 'other'),
  );
  await until(() => server.stats.messageCount > before, 5000, 'the poll reached the server');
  const t0 = Date.now();
  await client.close();
  const took = Date.now() - t0;
  assert.ok(took < 5000, `close took ${took} ms with a 1000 ms request timeout`);
  assert.equal(await poll, ErrorCode.CLIENT_CLOSED);
  // Nothing is lost: a message offered now stays for the next poller.
  await using other = await connect({ uri: server.uri });
  await other.offer('q', plainTextMessage('1', 't', 'kept'), { timeout: 0 });
  assert.equal((await other.poll('q', { timeout: 0 })).text, 'kept');
});
