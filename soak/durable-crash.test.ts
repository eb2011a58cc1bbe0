/**
 * Long crash soak for durable queues: the crash test of test/durable/crash.test.ts over many
 * more iterations (VIPC_SOAK_SECONDS, default 600) and with more producers in flight.
 *   npm run soak
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { runCrashIterations } from '../test/helpers/crash.js';

const SECONDS = Number(process.env['VIPC_SOAK_SECONDS'] ?? 600);

test('durable queues survive SIGKILL under load (soak)', { timeout: (SECONDS + 120) * 1000 }, async () => {
  const { counts, problems } = await runCrashIterations({
    seconds: SECONDS,
    producers: 6,
    inFlight: 32,
    killAfterMs: [50, 2000],
    log: (line) => console.log(line),
  });
  console.log(JSON.stringify(counts));
  assert.deepEqual(problems, []);
  assert.equal(counts.lost + counts.duplicated + counts.outOfOrder + counts.unknown, 0);
});
