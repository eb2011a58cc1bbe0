/**
 * Issue 9's central test: 1,000 calls with retries and idempotency on, through a proxy that cuts
 * every connection at a random byte offset in either direction. Every call settles within its
 * deadline with its answer or a coded error; the handler runs each request id at most once and
 * every answered id exactly once; nothing is left unhandled. `npm run soak` runs a bigger one.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { runRandomCuts } from './random-cuts.js';

test('1,000 calls through random cuts: each settles in time, each request id takes effect once', { timeout: 60_000 }, async () => {
  const r = await runRandomCuts({ calls: 1000, concurrency: 16, cut: { min: 400, max: 12_000 }, deadline: 10_000, budget: { ratio: 1, minPerSecond: 1000 } });
  console.log(`random cuts: ${JSON.stringify(r)}`);
  assert.equal(r.answered + Object.values(r.rejected).reduce((a, b) => a + b, 0) + r.bad, 1000);
  assert.equal(r.bad, 0);
  assert.equal(r.late, 0);
  assert.equal(r.repeatedEffects, 0);
  assert.equal(r.maxEffectsPerId, 1);
  assert.equal(r.answeredWithoutEffect, 0);
  assert.equal(r.unhandledRejections, 0);
  assert.ok(r.cuts >= 20, `only ${r.cuts} cuts: the test did not exercise the faults`);
  assert.ok(r.retries > 0 && r.reconnects > 0);
  assert.ok(r.duplicatesSuppressed > 0, 'some retries repeated a request the server had already run');
  // The budget is generous here (the retry test checks that it refuses): a call fails only
  // after 20 attempts, each cut off.
  assert.ok(r.answered >= 990, `only ${r.answered} of 1000 calls answered`);
});
