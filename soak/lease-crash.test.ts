/**
 * Long crash soak for at-least-once consumption (test/durable/crash-leases.test.ts over many
 * more iterations, VIPC_SOAK_SECONDS, default 600, with more producers and consumers).
 *   npm run soak
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { runLeaseCrashIterations } from '../test/helpers/crash-leases.js';

const SECONDS = Number(process.env['VIPC_SOAK_SECONDS'] ?? 600);

test('at-least-once consumers and the server survive SIGKILL under load (soak)', { timeout: (SECONDS + 120) * 1000 }, async () => {
  const { counts, problems } = await runLeaseCrashIterations({
    seconds: SECONDS,
    producers: 4,
    inFlight: 16,
    consumers: 4,
    killAfterMs: [100, 2000],
    log: (line) => console.log(line),
  });
  console.log(JSON.stringify(counts));
  assert.deepEqual(problems, []);
  assert.equal(counts.lost + counts.deadLetterProblems, 0);
});
