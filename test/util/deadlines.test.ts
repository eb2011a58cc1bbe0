// DeadlineList: many owners' deadlines of one duration behind one timer (the server's
// handshake, idle and frame deadlines).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { DeadlineLink, DeadlineList } from '../../src/util/deadlines.js';

/** Resolves with the owners handed to onDue, once `n` came (bounded by `ms`). */
function collector(n: number, ms = 2000): { due: string[]; onDue: (o: string) => void; done: Promise<string[]> } {
  const due: string[] = [];
  let resolve!: (v: string[]) => void;
  const done = new Promise<string[]>((r) => (resolve = r));
  const t = setTimeout(() => resolve(due), ms);
  return {
    due,
    onDue: (o) => {
      due.push(o);
      if (due.length === n) {
        clearTimeout(t);
        resolve(due);
      }
    },
    done,
  };
}

test('owners fall due in arm order, not before their deadline; cancelled ones never', async () => {
  const c = collector(2);
  const list = new DeadlineList<string>(30, c.onDue);
  const a = new DeadlineLink('a');
  const b = new DeadlineLink('b');
  const x = new DeadlineLink('x');
  const start = performance.now();
  list.arm(a);
  list.arm(x);
  list.arm(b);
  assert.equal(list.length, 3);
  list.cancel(x);
  list.cancel(x); // idempotent
  assert.equal(list.length, 2);
  assert.deepEqual(await c.done, ['a', 'b']);
  assert.ok(performance.now() - start >= 29, 'not before the deadline');
  assert.equal(list.length, 0);
  assert.equal(list.timerAt, undefined, 'no timer left once empty');
});

test('re-arming moves an owner to the back with a fresh deadline', async () => {
  const c = collector(2);
  const list = new DeadlineList<string>(40, c.onDue);
  const a = new DeadlineLink('a');
  const b = new DeadlineLink('b');
  const t0 = performance.now();
  list.arm(a, t0);
  list.arm(b, t0 + 1);
  list.arm(a, t0 + 2); // activity on a: now due after b
  assert.equal(list.length, 2);
  assert.equal(a.at, t0 + 42);
  assert.deepEqual(await c.done, ['b', 'a']);
});

test('an owner re-armed by onDue is due again later; one timer serves every owner', async () => {
  let rounds = 0;
  const order: string[] = [];
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const guard = setTimeout(finish, 2000);
  const list: DeadlineList<string> = new DeadlineList<string>(15, (o) => {
    order.push(o);
    if (o === 'busy' && ++rounds < 3) list.arm(busy);
    if (rounds === 3 && order.includes('idle')) {
      clearTimeout(guard);
      finish();
    }
  });
  const busy = new DeadlineLink('busy');
  const idle = new DeadlineLink('idle');
  list.arm(busy);
  list.arm(idle);
  const firstTimer = list.timerAt;
  assert.ok(firstTimer !== undefined && firstTimer >= busy.at, 'the timer is set for the head');
  await finished;
  assert.deepEqual(order, ['busy', 'idle', 'busy', 'busy']);
  assert.equal(list.length, 0);
});

test('clear() forgets every deadline and stops the timer', () => {
  const list = new DeadlineList<number>(10_000, () => assert.fail('nothing is due'));
  const links = [1, 2, 3].map((n) => new DeadlineLink(n));
  for (const l of links) list.arm(l);
  assert.notEqual(list.timerAt, undefined);
  list.clear();
  assert.equal(list.length, 0);
  assert.equal(list.timerAt, undefined);
  assert.ok(links.every((l) => !l.linked));
});
