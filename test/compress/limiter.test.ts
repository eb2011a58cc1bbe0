import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Limiter } from '../../src/compress/limiter.js';

const T = { timeout: 5_000 };

test('runs at most `concurrency` jobs at once, in FIFO order', T, async () => {
  const limiter = new Limiter(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const jobs = Array.from({ length: 8 }, (_, i) =>
    limiter.run(async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await sleep(5);
      running--;
      return i;
    }),
  );
  assert.equal(limiter.running, 2);
  assert.equal(limiter.pending, 6);
  assert.deepEqual(await Promise.all(jobs), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(peak, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(limiter.running, 0);
});

test('a failing job frees its slot and rejects its caller only', T, async () => {
  const limiter = new Limiter(1);
  const bad = limiter.run(async () => {
    throw new Error('boom');
  });
  const good = limiter.run(async () => 'ok');
  await assert.rejects(bad, /boom/);
  assert.equal(await good, 'ok');
  assert.equal(limiter.running, 0);
});
