import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainTextMessage, type Message, type PollOutcome, type QueueStore } from '../../src/index.js';

/** Builds a fresh bounded store of the implementation under test. */
export type StoreFactory = (capacity: number) => QueueStore;

const msg = (i: number, opts: { expiresAt?: number } = {}): Message => plainTextMessage(String(i), 'test', `m${i}`, opts);

function text(o: PollOutcome): string {
  assert.equal(o.status, 'ok');
  return (o as { message: Message }).message.text;
}

/**
 * The contract every bounded queue store fulfils (SEMANTICS §4): FIFO, capacity, timeouts,
 * event-driven waiting, aborts that never take a message, expiry, close, requeue, memory.
 */
export function boundedStoreContract(label: string, make: StoreFactory): void {
  test(`${label}: delivers in FIFO order`, async () => {
    const q = make(10);
    for (let i = 0; i < 5; i++) assert.equal(await q.offer(msg(i), 0), 'ok');
    assert.equal(q.size, 5);
    for (let i = 0; i < 5; i++) assert.equal(text(await q.poll(0)), `m${i}`);
    assert.equal(q.size, 0);
  });

  test(`${label}: answers QUEUE_FULL at once for a zero or negative timeout`, async () => {
    const q = make(1);
    assert.equal(await q.offer(msg(1), 0), 'ok');
    assert.equal(await q.offer(msg(2), 0), 'full');
    assert.equal(await q.offer(msg(3), -1), 'full');
    assert.equal(await q.offer(msg(4), -1000), 'full');
    assert.equal(q.size, 1);
  });

  test(`${label}: answers empty synchronously for a zero timeout`, () => {
    const q = make(3);
    const o = q.poll(0);
    assert.ok(!(o instanceof Promise));
    assert.equal(o.status, 'empty');
    assert.equal((q.poll(-1) as PollOutcome).status, 'empty');
  });

  test(`${label}: a waiting poll receives a later offer`, async () => {
    const q = make(3);
    const p = q.poll(5000);
    assert.ok(p instanceof Promise);
    assert.equal(q.waiting.polls, 1);
    assert.equal(await q.offer(msg(7), 0), 'ok');
    assert.equal(text(await p), 'm7');
    assert.equal(q.size, 0);
    assert.equal(q.waiting.polls, 0);
  });

  test(`${label}: a waiting poll ends empty after its timeout`, async () => {
    const q = make(3);
    const t0 = Date.now();
    const o = await q.poll(40);
    assert.equal(o.status, 'empty');
    assert.ok(Date.now() - t0 >= 35, 'waited about the timeout');
    assert.equal(q.waiting.polls, 0);
  });

  test(`${label}: a waiting offer gets the slot a poll frees; waiting offers keep their order`, async () => {
    const q = make(1);
    assert.equal(await q.offer(msg(0), 0), 'ok');
    const a = q.offer(msg(1), 5000);
    const b = q.offer(msg(2), 5000);
    assert.equal(q.waiting.offers, 2);
    assert.equal(await q.offer(msg(9), 0), 'full', 'a new offer does not overtake waiting ones');
    assert.equal(text(await q.poll(0)), 'm0');
    assert.equal(await a, 'ok');
    assert.equal(text(await q.poll(0)), 'm1');
    assert.equal(await b, 'ok');
    assert.equal(text(await q.poll(0)), 'm2');
  });

  test(`${label}: a waiting offer ends full after its timeout`, async () => {
    const q = make(1);
    await q.offer(msg(0), 0);
    assert.equal(await q.offer(msg(1), 30), 'full');
    assert.equal(q.size, 1);
    assert.equal(q.waiting.offers, 0);
  });

  test(`${label}: waiting polls are served oldest first`, async () => {
    const q = make(5);
    const polls = [q.poll(5000), q.poll(5000), q.poll(5000)].map(async (p) => p);
    for (let i = 0; i < 3; i++) await q.offer(msg(i), 0);
    assert.deepEqual((await Promise.all(polls)).map(text), ['m0', 'm1', 'm2']);
  });

  test(`${label}: an aborted poll gives up without taking a message`, async () => {
    const q = make(5);
    const ac = new AbortController();
    const p = q.poll(5000, ac.signal);
    ac.abort();
    assert.equal((await p).status, 'interrupted');
    assert.equal(await q.offer(msg(1), 0), 'ok');
    assert.equal(q.size, 1, 'the message stayed in the queue');
    assert.equal((await q.poll(0, ac.signal)).status, 'interrupted', 'an aborted signal never takes');
    assert.equal(q.size, 1);
  });

  test(`${label}: aborting one signal interrupts all of its waiters and no other waiter`, async () => {
    const q = make(5);
    const conn = new AbortController(); // a connection's signal, shared by its waits
    const other = new AbortController();
    const mine = [q.poll(5000, conn.signal), q.poll(5000, conn.signal)];
    const theirs = q.poll(5000, other.signal);
    const again = q.poll(5000, conn.signal); // a later wait on the same signal
    assert.equal(q.waiting.polls, 4);
    conn.abort();
    assert.deepEqual((await Promise.all([...mine, again])).map((o) => o.status), ['interrupted', 'interrupted', 'interrupted']);
    assert.equal(q.waiting.polls, 1);
    assert.equal(await q.offer(msg(1), 0), 'ok');
    assert.equal(text(await theirs), 'm1', 'the other signal still waits and is served');
    assert.equal(q.size, 0);
  });

  test(`${label}: an aborted offer gives up without storing`, async () => {
    const q = make(1);
    await q.offer(msg(0), 0);
    const ac = new AbortController();
    const p = q.offer(msg(1), 5000, ac.signal);
    ac.abort();
    assert.equal(await p, 'interrupted');
    assert.equal(text(await q.poll(0)), 'm0');
    assert.equal(q.size, 0);
  });

  test(`${label}: expired messages are dropped, reported and skipped`, async () => {
    const q = make(5);
    await q.offer(msg(1, { expiresAt: Date.now() - 1000 }), 0);
    await q.offer(msg(2, { expiresAt: Date.now() - 1000 }), 0);
    await q.offer(msg(3), 0);
    const dropped: string[] = [];
    assert.equal(text(await q.poll(0, undefined, (m) => dropped.push(m.text))), 'm3');
    assert.deepEqual(dropped, ['m1', 'm2']);
    assert.equal(q.expiredCount, 2);
  });

  test(`${label}: a queue of expired messages only waits the full timeout, then is empty`, async () => {
    const q = make(5);
    await q.offer(msg(1, { expiresAt: Date.now() - 1 }), 0);
    const t0 = Date.now();
    assert.equal((await q.poll(30)).status, 'empty');
    assert.ok(Date.now() - t0 >= 25);
    assert.equal(q.size, 0);
  });

  test(`${label}: close ends every wait and refuses later calls`, async () => {
    const q = make(1);
    await q.offer(msg(0), 0);
    const o = q.offer(msg(1), 5000);
    const empty = make(1);
    const p = empty.poll(5000);
    q.close();
    empty.close();
    assert.equal(await o, 'closed');
    assert.equal((await p).status, 'closed');
    assert.equal(await q.offer(msg(2), 0), 'closed');
    assert.equal((await q.poll(0)).status, 'closed');
    assert.equal(q.size, 0);
  });

  test(`${label}: requeue puts a message back at the head, or hands it to a waiting poll`, async () => {
    const q = make(3);
    await q.offer(msg(1), 0);
    await q.offer(msg(2), 0);
    const first = await q.poll(0);
    q.requeue((first as { message: Message }).message);
    assert.equal(text(await q.poll(0)), 'm1');
    assert.equal(text(await q.poll(0)), 'm2');
    const p = q.poll(5000);
    q.requeue(msg(5));
    assert.equal(text(await p), 'm5');
  });

  test(`${label}: clear drops messages and lets waiting offers in`, async () => {
    const q = make(1);
    await q.offer(msg(0), 0);
    const o = q.offer(msg(1), 5000);
    q.clear();
    assert.equal(await o, 'ok');
    assert.equal(text(await q.poll(0)), 'm1');
  });

  test(`${label}: capacity 2^31-1 allocates nothing up front and storage follows content`, async () => {
    const q = make(2 ** 31 - 1);
    assert.ok(q.allocatedSlots <= 16, `allocated ${q.allocatedSlots}`);
    for (let i = 0; i < 1000; i++) await q.offer(msg(i), 0);
    assert.ok(q.allocatedSlots >= 1000 && q.allocatedSlots <= 2048);
    for (let i = 0; i < 1000; i++) await q.poll(0);
    assert.ok(q.allocatedSlots <= 16, `shrunk to ${q.allocatedSlots}`);
  });

  test(`${label}: interleaved waiting producers and consumers deliver each message exactly once`, async () => {
    const q = make(3);
    const got: string[] = [];
    const consumers = Array.from({ length: 4 }, async () => {
      for (;;) {
        const o = await q.poll(200);
        if (o.status !== 'ok') return;
        got.push(o.message.text);
      }
    });
    const producers = Array.from({ length: 4 }, async (_, p) => {
      for (let i = 0; i < 250; i++) assert.equal(await q.offer(plainTextMessage(null, 't', `${p}:${i}`), 5000), 'ok');
    });
    await Promise.all([...producers, ...consumers]);
    assert.equal(got.length, 1000);
    assert.equal(new Set(got).size, 1000);
    for (let p = 0; p < 4; p++) {
      const seq = got.filter((s) => s.startsWith(`${p}:`)).map((s) => Number(s.split(':')[1]));
      assert.deepEqual(seq, [...seq].sort((a, b) => a - b), `FIFO for producer ${p}`);
    }
  });
}
