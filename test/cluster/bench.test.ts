/** Smoke test of the cluster bench section (not a timed test): tiny counts, the three setups, rows with finite figures, no child left. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupNow, liveChildren } from '../../bench/lib/cleanup.js';
import { createContext } from '../../bench/lib/harness.js';
import { section } from '../../bench/sections/cluster.js';

after(() => cleanupNow());

test('cluster bench section: embedded, 1 and 3 nodes on the engine, with fan-out and queue figures', async () => {
  const ctx = createContext({ seconds: 0.1, warmupSeconds: 0, quick: true, nodeArgs: [], extra: new Map([['cluster-count', '200']]) });
  const r = await section.run({ ...ctx, progress: () => undefined });
  assert.match(r.markdown, /^\| .* \|$/m);
  assert.doesNotMatch(r.markdown, /NaN|undefined/);
  const rows = (r.data as { rows: Array<{ setup: string; fanoutPerSubscriber: number; fanoutMissing: number; queueRate: number }> }).rows;
  assert.deepEqual(rows.map((x) => x.setup), ['embedded, 1 node', 'engine, 1 node', 'engine, 3 nodes']);
  for (const x of rows) {
    assert.ok(Number.isFinite(x.fanoutPerSubscriber) && x.fanoutPerSubscriber > 0, x.setup);
    assert.ok(Number.isFinite(x.queueRate) && x.queueRate > 0, x.setup);
    assert.equal(x.fanoutMissing, 0, x.setup);
  }
  assert.equal(liveChildren(), 0, 'the nats-server was stopped');
});
