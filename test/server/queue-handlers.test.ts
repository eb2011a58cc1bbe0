import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainTextMessage, type Message } from '../../src/index.js';
import { buildOffer, buildPoll } from '../../src/client/queues.js';
import type { RequestContext, ServerCore, SessionState } from '../../src/server/core.js';
import { createQueueFeature } from '../../src/server/queues.js';

/** A fake connection whose open state the test controls. */
function fakeContext(feature: ReturnType<typeof createQueueFeature>): { ctx: RequestContext; close(): void; errors: string[] } {
  let open = true;
  const ac = new AbortController();
  const errors: string[] = [];
  const session = {
    id: 1,
    connection: { get isOpen() { return open; } },
    signal: ac.signal,
    tempQueues: new Set<string>(),
    recordError: (d: string) => errors.push(d),
  } as unknown as SessionState;
  const server = {
    settings: { maxQueues: 20, permitClientQueueMgmt: true },
    shutdownSignal: new AbortController().signal,
    sessions: new Set([session]),
    features: new Map([['queues', feature]]),
  } as unknown as ServerCore;
  return { ctx: { server, session, encrypted: false }, close: () => { open = false; }, errors };
}

test('a poll completed for a connection that closed meanwhile puts the message back', async () => {
  const feature = createQueueFeature();
  await feature.registry.create('q', { capacity: 5 });
  const poller = fakeContext(feature);
  const producer = fakeContext(feature);
  const pending = feature.handlers!.POLL!(poller.ctx, buildPoll('q', 5000));
  assert.ok(pending instanceof Promise);
  poller.close(); // the socket is closing, but its signal has not fired yet
  const offered = feature.handlers!.OFFER!(producer.ctx, buildOffer('q', plainTextMessage('1', 't', 'keep me'), null, 0)) as Message;
  assert.equal(offered.status, 'OK');
  assert.equal(await pending, null, 'no response for a closed connection');
  const q = feature.registry.get('q')!;
  assert.equal(q.size, 1, 'the message stayed in the queue');
  const again = feature.handlers!.POLL!(producer.ctx, buildPoll('q', 0)) as Message;
  assert.equal(again.text, 'keep me');
});
