import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOGIN_BURST, LoginThrottle } from '../../src/auth/throttle.js';

const delay = (f: number): number => 100 * Math.min(2 ** (f - 1), 16);

test('after failures a key waits base × 2^(n-1) from its latest failure and start, at most 16×', () => {
  const th = new LoginThrottle(delay, 60_000);
  const k = ['user:tom'];
  let now = 1000;
  const waits: number[] = [];
  for (let i = 0; i < 7; i++) {
    const w = th.waitTime(k, now);
    waits.push(w);
    now += w;
    th.start(k, now);
    th.settle(k, false, now);
  }
  assert.deepEqual(waits, [0, 100, 200, 400, 800, 1600, 1600]);
});

test('parallel attempts: LOGIN_BURST run at once on a clean key, later ones are spaced', () => {
  const th = new LoginThrottle(delay, 60_000);
  const k = ['user:pool', 'address:10.0.0.1'];
  for (let i = 0; i < LOGIN_BURST; i++) {
    assert.equal(th.waitTime(k, 0), 0);
    th.start(k, 0);
  }
  assert.equal(th.waitTime(k, 0), 100);
  for (let i = 0; i < LOGIN_BURST; i++) th.settle(k, true, 1);
  assert.equal(th.waitTime(k, 1), 0); // successes leave nothing behind
  assert.equal(th.size, 0);
});

test('a key is shared: another connection, another user from the same address waits too; failures expire', () => {
  const th = new LoginThrottle(delay, 5_000);
  th.start(['user:a', 'address:x'], 0);
  th.settle(['user:a', 'address:x'], false, 0);
  assert.equal(th.waitTime(['user:b', 'address:x'], 10), 90);
  assert.equal(th.waitTime(['user:a', 'address:y'], 10), 90);
  assert.equal(th.waitTime(['user:b', 'address:y'], 10), 0);
  assert.equal(th.waitTime(['user:a', 'address:x'], 5_200), 0); // forgotten after the window
  assert.equal(th.size, 0); // both forgotten when looked at
});

test('the number of remembered keys is bounded', () => {
  const th = new LoginThrottle(delay, 60_000, 100);
  for (let i = 0; i < 1000; i++) {
    th.start([`user:${i}`], i);
    th.settle([`user:${i}`], false, i);
  }
  assert.ok(th.size <= 101, `${th.size} keys`);
});
