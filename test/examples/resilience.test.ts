/** Runs example 41 ("Pay John $100" through a connection cut after the server answered): paid once with the window, twice without. */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { runExample } from '../helpers/run-example.js';

const EXPECTED = `--- with idempotencyWindow: 60000 ---
server: paid John $100
proxy:  the answer is lost, the connection cut
client: OK {"paid":"John","amount":100} (after 1 retry)
John's balance: $100
--- without idempotencyWindow (Java-compatible default) ---
server: paid John $100
proxy:  the answer is lost, the connection cut
server: paid John $100
client: OK {"paid":"John","amount":100} (after 1 retry)
John's balance: $200
`;

test('41-pay-john-once: the retried payment is paid once with idempotencyWindow, twice without', async () => {
  const r = await runExample('41-pay-john-once', { timeout: 15_000 });
  assert.equal(r.timedOut, false);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, EXPECTED);
});
