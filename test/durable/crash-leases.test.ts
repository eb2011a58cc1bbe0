/**
 * Crash test of at-least-once consumption: producers, lease consumers that are SIGKILLed, and
 * a SIGKILLed server; 0 acknowledged offers lost, duplicates only from acks not yet synced,
 * poison messages dead-lettered after maxDeliveries. About 10 s (VIPC_LEASE_CRASH_SECONDS
 * overrides); `npm run soak` runs longer.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { runLeaseCrashIterations } from '../helpers/crash-leases.js';

const SECONDS = Number(process.env['VIPC_LEASE_CRASH_SECONDS'] ?? 8);

test('SIGKILL of consumers and server in at-least-once mode: no acknowledged offer is lost; dead letters after maxDeliveries', { timeout: (SECONDS + 60) * 1000 }, async () => {
  const { counts, problems } = await runLeaseCrashIterations({ seconds: SECONDS });
  console.log(`lease crash test: ${JSON.stringify(counts)}`);
  assert.deepEqual(problems, []);
  assert.ok(counts.iterations >= 2, `only ${counts.iterations} iterations`);
  assert.ok(counts.acknowledged > 0 && counts.acked > 0 && counts.consumersKilled > 0, 'the load produced acknowledged and acked messages');
  assert.equal(counts.lost, 0);
  assert.equal(counts.deadLetterProblems, 0);
  // Duplicates come only from acks answered but not yet synced when the server died: at most
  // the acks of one sync batch per consumer and iteration (a consumer waits for each answer).
  assert.ok(counts.duplicated <= counts.iterations * 2 * 64, `duplicated ${counts.duplicated}`);
});
