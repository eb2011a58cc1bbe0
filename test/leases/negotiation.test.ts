import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, isIpcError, plainTextMessage, type Message } from '../../src/index.js';
import type { ServerCore } from '../../src/server/core.js';
import { textResponse } from '../../src/server/responses.js';
import { queueEnv } from '../helpers/queue-server.js';

const unsupported = (e: unknown): boolean => isIpcError(e) && e.code === ErrorCode.EXTENSION_UNSUPPORTED;

test('against a server that answers the hello as Venice does, every at-least-once call is a coded error and nothing else is sent', async () => {
  await using env = await queueEnv();
  const seen: Message[] = [];
  // A Venice 1.12.71 server has no queue `wal` (a reserved name): it answers the hello QUEUE_NOT_FOUND.
  (env.server as unknown as ServerCore).features.set('venice-like', {
    gate(_ctx, msg) {
      seen.push(msg);
      if (msg.type === 'POLL' && msg.queueName === 'wal') return textResponse(msg, 'QUEUE_NOT_FOUND', 'Poll rejected! The queue does not exist.');
      return undefined;
    },
  });
  await env.server.createQueue('jobs', { capacity: 10 });
  const c = await env.client();
  assert.equal((await c.offer('jobs', plainTextMessage('a', 't', 'a'))).status, 'OK');
  await assert.rejects(c.poll('jobs', { lease: 1000 }), unsupported);
  await assert.rejects(c.offer('jobs', plainTextMessage('b', 't', 'b'), { delay: 10 }), unsupported);
  await assert.rejects(c.createQueue('other', 10, { maxDeliveries: 3 }), unsupported);
  await assert.rejects((async () => { for await (const _ of c.consume('jobs', { ack: 'manual' })) break; })(), unsupported);
  const polls = seen.filter((m) => m.type === 'POLL');
  assert.equal(polls.length, 1, 'one hello, cached for the connection');
  assert.deepEqual([polls[0]!.queueName, polls[0]!.topic], ['wal', 'venice-ipc/hello']);
  assert.equal(env.server.queueStatus('jobs').size, 1, 'the message was not polled at-most-once');
  assert.equal(seen.filter((m) => m.type === 'OFFER').length, 1, 'the delayed offer was never sent');
  assert.equal(seen.filter((m) => m.type === 'CREATE_QUEUE').length, 0);
});

test('a client that never uses the extension never sends the hello; plain polls are at-most-once as in Venice', async () => {
  await using env = await queueEnv();
  const topics: string[] = [];
  (env.server as unknown as ServerCore).features.set('recorder', {
    gate(_ctx, msg) {
      topics.push(`${msg.type}:${msg.topic}`);
      return undefined;
    },
  });
  await env.server.createQueue('jobs', { capacity: 10 });
  const c = await env.client();
  await c.offer('jobs', plainTextMessage('a', 't', 'a'));
  const m = await c.poll('jobs');
  assert.equal(m.text, 'a');
  assert.equal('deliveryCount' in m, false);
  assert.equal(env.server.queueStatus('jobs').size, 0);
  assert.deepEqual(topics.filter((t) => t.startsWith('POLL')), ['POLL:queue/poll']);
});

test('extension requests on a connection without the hello are refused, not served at-most-once', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('jobs', { capacity: 10 });
  const c = await env.client();
  await c.offer('jobs', plainTextMessage('a', 't', 'a'));
  const { buildLeasePoll } = await import('../../src/client/leases.js');
  const core = c as unknown as { request(m: Message): Promise<Message> };
  const res = await core.request(buildLeasePoll('jobs', 1000, 0));
  assert.equal(res.status, 'BAD_REQUEST');
  assert.match(res.text, /^VIPC_ERR_EXTENSION_UNSUPPORTED: /);
  assert.equal(env.server.queueStatus('jobs').size, 1);
});
