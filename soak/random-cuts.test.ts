/**
 * Long random-cut soak (issue 9): the test of test/resilience/random-cuts.test.ts with many more
 * calls (VIPC_SOAK_CALLS, default 50000) and more in flight.
 *   npm run soak
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { runRandomCuts } from '../test/resilience/random-cuts.js';

const CALLS = Number(process.env['VIPC_SOAK_CALLS'] ?? 50_000);

test('calls through random cuts take effect at most once, answered ones exactly once (soak)', { timeout: 1_800_000 }, async () => {
  const r = await runRandomCuts({ calls: CALLS, concurrency: 64, cut: { min: 400, max: 64_000 }, deadline: 20_000, budget: { ratio: 0.1, minPerSecond: 10 } });
  console.log(JSON.stringify(r));
  assert.equal(r.bad + r.late + r.repeatedEffects + r.answeredWithoutEffect + r.unhandledRejections, 0);
  assert.equal(r.maxEffectsPerId, 1);
});
