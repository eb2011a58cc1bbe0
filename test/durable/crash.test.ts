/**
 * Crash test (issue 6): a `venice-ipc serve` child with a WAL is SIGKILLed at random moments
 * under load from several producers and a consumer; after each restart every acknowledged offer
 * is there exactly once, in per-producer order, and nothing the consumer received comes back.
 * Bounded to ~30 s of iterations (VIPC_CRASH_SECONDS overrides); `npm run soak` runs longer.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { runCrashIterations } from '../helpers/crash.js';

const SECONDS = Number(process.env['VIPC_CRASH_SECONDS'] ?? 30);

test('SIGKILL under load: acknowledged offers survive exactly once, in order; received polls never come back', { timeout: (SECONDS + 45) * 1000 }, async () => {
  const { counts, problems } = await runCrashIterations({ seconds: SECONDS });
  console.log(
    `crash test: iterations ${counts.iterations}, acknowledged ${counts.acknowledged} (of ${counts.offered} offered), ` +
      `received by the consumer ${counts.polledAcknowledged}, recovered ${counts.recovered} ` +
      `(${counts.recoveredUnacknowledged} of them unacknowledged), lost ${counts.lost}, duplicated ${counts.duplicated}, ` +
      `out of order ${counts.outOfOrder}, consumed by unanswered polls ≤ ${counts.missing} (polls in flight ${counts.pollsInFlight})`,
  );
  assert.deepEqual(problems, []);
  assert.ok(counts.iterations >= 3, `only ${counts.iterations} iterations`);
  assert.ok(counts.acknowledged > 0 && counts.recovered > 0, 'the load produced acknowledged and recovered messages');
  assert.equal(counts.lost, 0);
  assert.equal(counts.duplicated, 0);
  assert.equal(counts.outOfOrder, 0);
  assert.equal(counts.unknown, 0);
});
