import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { createQueueStore, plainTextMessage, type Message, type PollOutcome, type QueueJournal } from '../../src/index.js';
import { boundedStoreContract } from './store-contract.js';

/** A journal that records calls; `async` makes every step take a turn of the event loop. */
function fakeJournal(async: boolean, log: string[] = []): QueueJournal {
  const step = (what: string, m: Message): void | Promise<void> => {
    if (!async) {
      log.push(`${what}:${m.text}`);
      return;
    }
    return tick().then(() => {
      log.push(`${what}:${m.text}`);
    });
  };
  return { append: (m) => step('append', m), remove: (m) => step('remove', m), restore: (m) => step('restore', m) };
}

const text = (o: PollOutcome): string => (o.status === 'ok' ? o.message.text : o.status);

boundedStoreContract('bounded', (capacity) => createQueueStore({ name: 'q', capacity, type: 'BOUNDED' }));
boundedStoreContract('temporary', (capacity) => createQueueStore({ name: 'queue/t', capacity, type: 'BOUNDED', temporary: true, owner: 1 }));
boundedStoreContract('bounded + sync journal', (capacity) =>
  createQueueStore({ name: 'q', capacity, type: 'BOUNDED', journal: fakeJournal(false) }),
);
boundedStoreContract('bounded + async journal', (capacity) =>
  createQueueStore({ name: 'q', capacity, type: 'BOUNDED', journal: fakeJournal(true) }),
);

test('a journal sees the append before the message is visible and the removal before it is handed out', async () => {
  const log: string[] = [];
  const q = createQueueStore({ name: 'q', capacity: 2, type: 'BOUNDED', journal: fakeJournal(true, log) });
  assert.ok(q.durable);
  const offered = q.offer(plainTextMessage('1', 't', 'a'), 0);
  assert.equal(q.size, 0, 'not visible before the append completed');
  assert.equal(await offered, 'ok');
  assert.deepEqual(log, ['append:a']);
  const polled = await q.poll(0);
  assert.equal(polled.status, 'ok');
  assert.deepEqual(log, ['append:a', 'remove:a']);
});

test('a failing journal append fails the offer and frees the slot', async () => {
  const boom = new Error('disk full');
  const q = createQueueStore({
    name: 'q',
    capacity: 1,
    type: 'BOUNDED',
    journal: { append: () => Promise.reject(boom), remove: () => undefined, restore: () => undefined },
  });
  await assert.rejects(Promise.resolve(q.offer(plainTextMessage('1', 't', 'a'), 0)), boom);
  assert.equal(q.size, 0);
  assert.equal(q.waiting.offers, 0);
});

test('a failing journal removal keeps the message at the head', async () => {
  let fail = true;
  const q = createQueueStore({
    name: 'q',
    capacity: 3,
    type: 'BOUNDED',
    journal: { append: () => undefined, remove: () => (fail ? Promise.reject(new Error('io')) : undefined), restore: () => undefined },
  });
  await q.offer(plainTextMessage('1', 't', 'a'), 0);
  await q.offer(plainTextMessage('2', 't', 'b'), 0);
  await assert.rejects(Promise.resolve(q.poll(0)), /io/);
  fail = false;
  const o = await q.poll(0);
  assert.equal(o.status === 'ok' && o.message.text, 'a');
});

test('a circular queue rejects a journal and capacity below 1', () => {
  assert.throws(() => createQueueStore({ name: 'c', capacity: 2, type: 'CIRCULAR', journal: fakeJournal(false) }), {
    code: 'VIPC_ERR_QUEUE_NOT_PERMITTED',
  });
  assert.throws(() => createQueueStore({ name: 'c', capacity: 0, type: 'BOUNDED' }), { code: 'VIPC_ERR_QUEUE_LIMIT' });
});

test('a requeued message is re-logged before a waiting poll gets it (its removal then finds the record)', async () => {
  const log: string[] = [];
  const q = createQueueStore({ name: 'q', capacity: 3, type: 'BOUNDED', journal: fakeJournal(true, log) });
  await q.offer(plainTextMessage('1', 't', 'a'), 0);
  const taken = await q.poll(0);
  assert.equal(taken.status, 'ok');
  log.length = 0;
  const waiter = q.poll(5000);
  assert.equal(q.requeue((taken as { message: Message }).message), true);
  assert.equal(q.size, 1, 'a message being re-logged counts in the size');
  assert.equal(text(await waiter), 'a');
  assert.deepEqual(log, ['restore:a', 'remove:a'], 'the re-log comes before the removal');
});

test('nothing overtakes a message being re-logged: immediate and waiting polls get it first', async () => {
  const log: string[] = [];
  const q = createQueueStore({ name: 'q', capacity: 3, type: 'BOUNDED', journal: fakeJournal(true, log) });
  await q.offer(plainTextMessage('1', 't', 'a'), 0);
  await q.offer(plainTextMessage('2', 't', 'b'), 0);
  const taken = await q.poll(0);
  q.requeue((taken as { message: Message }).message);
  const now = q.poll(0);
  assert.ok(now instanceof Promise, 'an immediate poll waits for the re-log');
  assert.equal(text(await now), 'a');
  assert.equal(text(await q.poll(0)), 'b');
  assert.equal((await q.poll(0)).status, 'empty');
});

test('requeues with a journal take effect in call order, each at the head; a failed re-log still keeps the message', async () => {
  const errors: unknown[] = [];
  let fail = false;
  const q = createQueueStore({
    name: 'q',
    capacity: 5,
    type: 'BOUNDED',
    journal: {
      append: () => undefined,
      remove: () => undefined,
      restore: (m) => (m.durable ? (fail ? Promise.reject(new Error('io')) : tick()) : undefined),
    },
    onJournalError: (e) => errors.push(e),
  });
  await q.offer(plainTextMessage('0', 't', 'z'), 0);
  q.requeue(plainTextMessage('1', 't', 'a', { durable: true }));
  q.requeue(plainTextMessage('2', 't', 'b')); // not durable: not logged, but behind the pending one in time
  fail = true;
  q.requeue(plainTextMessage('3', 't', 'c', { durable: true }));
  assert.equal(q.size, 4);
  const got = [];
  for (let i = 0; i < 4; i++) got.push(text(await q.poll(0)));
  assert.deepEqual(got, ['c', 'b', 'a', 'z']);
  assert.equal(errors.length, 1);
});

test('clear and close drop messages whose re-log is still running', async () => {
  const q = createQueueStore({ name: 'q', capacity: 2, type: 'BOUNDED', journal: fakeJournal(true) });
  q.requeue(plainTextMessage('1', 't', 'a'));
  q.clear();
  assert.equal(q.size, 0);
  assert.equal((await q.poll(0)).status, 'empty');
  q.requeue(plainTextMessage('2', 't', 'b'));
  q.close();
  assert.equal((await q.poll(0)).status, 'closed');
  assert.equal(q.requeue(plainTextMessage('3', 't', 'c')), false);
});
