/** Leases, delays, dead letters and byte limits of the queue store, on a fake clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createQueueStore, plainTextMessage, type ByteBudget, type PollOutcome, type QueueClock, type QueueInit, type QueueStore } from '../../src/index.js';

/** A clock whose timers fire only when `advance` passes their time. */
function fakeClock(): QueueClock & { advance(ms: number): void } {
  let now = 1_000_000;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 0;
  return {
    now: () => now,
    setTimer(fn, ms) {
      const t = { at: now + Math.max(ms, 0), fn, id: ++next };
      timers.push(t);
      return t.id;
    },
    clearTimer(h) {
      timers = timers.filter((t) => t.id !== h);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        timers = timers.filter((t) => t !== due);
        now = Math.max(now, due.at);
        due.fn();
      }
      now = end;
    },
  };
}

const msg = (text: string, size = 0) => plainTextMessage(text, 't', size > 0 ? 'x'.repeat(size) : text);
function take(q: QueueStore, owner = 1, ms = 1000): Exclude<PollOutcome, { status: 'empty' | 'interrupted' | 'closed' }> {
  const o = q.pollLease(0, { ms, owner });
  assert.ok(!(o instanceof Promise) && o.status === 'ok', 'a message');
  return o;
}
/** A synchronous offer that must be stored. */
function put(q: QueueStore, m: ReturnType<typeof msg>, dueAt = 0): void {
  assert.equal(q.offerAt(m, dueAt, 0), 'ok');
}
const queue = (init: Partial<QueueInit> = {}): QueueStore => createQueueStore({ name: 'q', capacity: 100, type: 'BOUNDED', ...init });

test('a lease that runs out puts the message back before later ones; deliveryCount counts hand-outs', () => {
  const clock = fakeClock();
  const q = queue({ clock });
  for (const t of ['a', 'b', 'c']) put(q, msg(t));
  const a = take(q, 1, 100);
  assert.equal(take(q, 1, 10_000).message.text, 'b');
  clock.advance(99);
  assert.equal(q.leased, 2);
  clock.advance(1);
  assert.equal(q.leased, 1);
  const again = take(q);
  assert.deepEqual([again.message.text, again.lease?.deliveryCount], ['a', 2]);
  assert.equal(q.ack(a.lease!.token, 1), 'not-held', 'the old delivery is settled');
  assert.equal(q.size, 3);
});

test('extend moves the deadline; releaseOwner gives back only that owner’s leases', () => {
  const clock = fakeClock();
  const q = queue({ clock });
  for (const t of ['a', 'b']) put(q, msg(t));
  const a = take(q, 1, 100);
  take(q, 2, 100);
  assert.equal(q.extend(a.lease!.token, 1, 500), clock.now() + 500);
  assert.equal(q.extend(a.lease!.token, 2, 500), 'not-held');
  clock.advance(200);
  assert.equal(q.leased, 1, 'b ran out, a was extended');
  assert.equal(q.releaseOwner(1), 1);
  assert.deepEqual([take(q).message.text, take(q).message.text], ['a', 'b']);
});

test('a nack with a delay keeps the message invisible until then, then at its place', () => {
  const clock = fakeClock();
  const q = queue({ clock });
  for (const t of ['a', 'b', 'c']) put(q, msg(t));
  const a = take(q);
  assert.equal(q.nack(a.lease!.token, 1, 50), 'ok');
  assert.equal(q.delayed, 1);
  const b = take(q, 1, 10_000);
  q.nack(b.lease!.token, 1, 0);
  clock.advance(50);
  assert.deepEqual([take(q).message.text, take(q).message.text, take(q).message.text], ['a', 'b', 'c']);
});

test('offerAt makes a message visible at its time, ahead of later offers', () => {
  const clock = fakeClock();
  const q = queue({ clock });
  put(q, msg('later'), clock.now() + 100);
  put(q, msg('now'));
  assert.equal(take(q).message.text, 'now');
  assert.equal(q.poll(0) instanceof Promise ? 'wait' : (q.poll(0) as PollOutcome).status, 'empty');
  put(q, msg('after'));
  clock.advance(100);
  assert.deepEqual([take(q).message.text, take(q).message.text], ['later', 'after']);
});

test('past maxDeliveries a returning message goes to the dead-letter hook; a refusal keeps it', async () => {
  const clock = fakeClock();
  const dead: string[] = [];
  let accept = false;
  const q = queue({ clock, limits: { maxDeliveries: 2 }, onDeadLetter: (m, reason, n) => (accept && dead.push(`${m.text}:${reason}:${n}`) > 0) });
  put(q, msg('p'));
  q.nack(take(q).lease!.token, 1, 0);
  q.nack(take(q).lease!.token, 1, 0); // second delivery: refused by the hook, stays
  assert.equal(q.size, 1);
  accept = true;
  q.nack(take(q).lease!.token, 1, 0);
  assert.deepEqual(dead, ['p:maxDeliveries:3']);
  assert.equal(q.size, 0);
  assert.equal(q.deadLettered, 1);
});

test('byte limits: per queue maxBytes and a budget shared by queues answer full; leases keep their bytes', () => {
  const budget: ByteBudget = { used: 0, limit: 250 };
  const a = queue({ budget, limits: { maxBytes: 200 } });
  const b = queue({ budget });
  assert.equal(a.offer(msg('1', 100), 0), 'ok');
  assert.equal(a.offer(msg('2', 100), 0), 'ok');
  assert.equal(a.offer(msg('3', 1), 0), 'full', 'maxBytes');
  assert.equal(b.offer(msg('4', 50), 0), 'ok');
  assert.equal(b.offer(msg('5', 1), 0), 'full', 'budget');
  const l = take(a);
  assert.equal(budget.used, 250, 'a leased message keeps its bytes');
  a.ack(l.lease!.token, 1);
  assert.equal(budget.used, 150);
  assert.equal(b.offer(msg('5', 1), 0), 'ok');
  a.close();
  b.clear();
  assert.equal(budget.used, 0, 'close and clear give every byte back');
});

test('a circular queue evicts for its own limits only, never because other queues hold the budget', () => {
  const budget: ByteBudget = { used: 0, limit: 100 };
  const other = queue({ budget });
  const c = createQueueStore({ name: 'c', capacity: 10, type: 'CIRCULAR', budget });
  assert.equal(c.offer(msg('x', 40), 0), 'ok');
  assert.equal(other.offer(msg('y', 60), 0), 'ok');
  assert.equal(c.offer(msg('z', 10), 0), 'full');
  assert.equal(c.size, 1, 'nothing evicted');
});

test('sweepExpired drops expired visible and delayed messages and reports them', () => {
  const clock = fakeClock();
  const q = queue({ clock });
  const now = clock.now();
  put(q, plainTextMessage('old', 't', 'old', { expiresAt: now + 10 }));
  put(q, msg('keep'));
  put(q, plainTextMessage('late', 't', 'late', { expiresAt: now + 10 }), now + 1000);
  clock.advance(20);
  const seen: string[] = [];
  assert.equal(q.sweepExpired((m) => seen.push(m.text)), 2);
  assert.deepEqual([seen.sort(), q.size], [['late', 'old'], 1]);
});

test('a lease of 0 or beyond 2^31-1 ms is refused with a coded error', () => {
  const q = queue();
  put(q, msg('a'));
  for (const ms of [0, -1, 2 ** 31, 2 ** 53, 1.5]) assert.throws(() => q.pollLease(0, { ms, owner: 1 }), /lease must be 1 to/);
  assert.equal(q.size, 1);
});
