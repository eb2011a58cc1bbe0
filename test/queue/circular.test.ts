import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createQueueStore, plainTextMessage, type Message, type PollOutcome } from '../../src/index.js';

const texts = (outs: PollOutcome[]): string[] => outs.map((o) => (o.status === 'ok' ? o.message.text : o.status));

test('a full circular queue evicts the oldest message and always accepts', () => {
  const q = createQueueStore({ name: 'c', capacity: 3, type: 'CIRCULAR' });
  for (let i = 1; i <= 5; i++) assert.equal(q.offer(plainTextMessage(null, 't', `m${i}`), 1000), 'ok');
  assert.equal(q.size, 3);
  assert.equal(q.evictedCount, 2);
  const out = [q.poll(0), q.poll(0), q.poll(0), q.poll(0)] as PollOutcome[];
  assert.deepEqual(texts(out), ['m3', 'm4', 'm5', 'empty']);
});

test('a circular queue never waits: an empty poll answers at once even with a timeout', () => {
  const q = createQueueStore({ name: 'c', capacity: 1, type: 'CIRCULAR' });
  const o = q.poll(10_000);
  assert.ok(!(o instanceof Promise));
  assert.equal(o.status, 'empty');
  assert.equal(q.waiting.polls, 0);
});

test('a circular queue of capacity 1 keeps only the newest message', () => {
  const q = createQueueStore({ name: 'c', capacity: 1, type: 'CIRCULAR' });
  void q.offer(plainTextMessage(null, 't', 'a'), 0);
  void q.offer(plainTextMessage(null, 't', 'b'), 0);
  assert.deepEqual(texts([q.poll(0) as PollOutcome]), ['b']);
});

test('a requeued message of a full circular queue counts as evicted (it is the oldest)', () => {
  const q = createQueueStore({ name: 'c', capacity: 2, type: 'CIRCULAR' });
  void q.offer(plainTextMessage(null, 't', 'a'), 0);
  void q.offer(plainTextMessage(null, 't', 'b'), 0);
  const a = q.poll(0) as PollOutcome;
  void q.offer(plainTextMessage(null, 't', 'c'), 0);
  assert.equal(q.requeue((a as { message: Message }).message), false, 'reported as not kept');
  assert.equal(q.evictedCount, 1);
  assert.deepEqual(texts([q.poll(0), q.poll(0), q.poll(0)] as PollOutcome[]), ['b', 'c', 'empty']);
});
