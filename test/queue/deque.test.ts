import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deque, INITIAL_DEQUE_SLOTS } from '../../src/queue/deque.js';

test('the deque keeps order across growth, wrap-around and unshift', () => {
  const d = new Deque<number>();
  const model: number[] = [];
  let next = 0;
  for (let round = 0; round < 2000; round++) {
    const op = (round * 7919) % 5;
    if (op < 3) {
      d.push(next);
      model.push(next++);
    } else if (op === 3) {
      assert.equal(d.shift(), model.shift());
    } else {
      d.unshift(next);
      model.unshift(next++);
    }
    assert.equal(d.length, model.length);
    assert.equal(d.peek(), model[0]);
  }
  assert.deepEqual([...d], model);
});

test('the deque starts small, grows with content and shrinks again', () => {
  const d = new Deque<number>();
  assert.equal(d.allocatedSlots, INITIAL_DEQUE_SLOTS);
  for (let i = 0; i < 10_000; i++) d.push(i);
  assert.ok(d.allocatedSlots >= 10_000 && d.allocatedSlots < 20_000);
  for (let i = 0; i < 10_000; i++) assert.equal(d.shift(), i);
  assert.equal(d.allocatedSlots, INITIAL_DEQUE_SLOTS);
  assert.equal(d.shift(), undefined);
  d.push(1);
  d.clear();
  assert.equal(d.length, 0);
});
