import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binaryMessage, type Client } from '../../src/index.js';
import { harness, rawStalledSubscriber, sessions, within, type Harness } from './helpers.js';

/** Publishes `total` messages with `window` publishes in flight; every answer must be OK. */
async function publishAll(pub: Client, payload: Buffer, total: number, window: number): Promise<void> {
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < total) {
      sent++;
      const a = await pub.publish(binaryMessage(null, 'news', 'application/octet-stream', payload));
      assert.ok(a.responseOk);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
}

function receive(client: Client, total: number): Promise<{ n: number; dropped: number; bytes: number }> {
  return client.subscribe('news').then(async (sub) => {
    let n = 0;
    let bytes = 0;
    for await (const m of sub) {
      bytes += m.data.length;
      if (++n === total) break;
    }
    return { n, dropped: sub.dropped, bytes };
  });
}

async function subscribed(h: Harness, n: number): Promise<void> {
  await within(new Promise<void>((r) => { const check = (): void => (h.pubsub.subscriberCount('news') === n ? r() : void setImmediate(check)); check(); }), 5000, `${n} subscriptions`);
}

test('a reading subscriber receives every 100 KB push with 64 publishes in flight (budget follows the drain)', { timeout: 60_000 }, async () => {
  await using h = await harness();
  const pub = await h.client();
  const reader = await h.client();
  const TOTAL = 2000;
  const payload = Buffer.alloc(100 * 1024, 3);
  const done = receive(reader, TOTAL);
  await subscribed(h, 1);
  await publishAll(pub, payload, TOTAL, 64);
  const got = await within(done, 30_000, 'the reader');
  assert.deepEqual(got, { n: TOTAL, dropped: 0, bytes: TOTAL * payload.length });
  assert.equal(h.server.stats.publishDiscardedCount, 0);
});

test('10 MB pushes: healthy subscribers receive all beside stalled ones, whose copies are dropped; memory bounded', { timeout: 90_000 }, async () => {
  await using h = await harness();
  const pub = await h.client();
  const a = await h.client();
  const b = await h.client();
  const TOTAL = 24;
  const payload = Buffer.alloc(10 * 1024 * 1024, 5);
  const doneA = receive(a, TOTAL);
  const doneB = receive(b, TOTAL);
  await subscribed(h, 2);
  const port = h.server.endpoint.kind === 'inet' ? h.server.endpoint.port : 0;
  const stalled = [await rawStalledSubscriber(port), await rawStalledSubscriber(port)];
  try {
    await subscribed(h, 4);
    const slow = sessions(h).slice(-2);
    const rss0 = process.memoryUsage().rss;
    let maxHeld = 0;
    let sent = 0;
    const worker = async (): Promise<void> => {
      while (sent < TOTAL) {
        sent++;
        const ans = await pub.publish(binaryMessage(null, 'news', 'application/octet-stream', payload));
        assert.ok(ans.responseOk);
        for (const s of slow) maxHeld = Math.max(maxHeld, h.pubsub.statsOf(s).heldBytes + s.connection.outboundBytes);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const [ra, rb] = await within(Promise.all([doneA, doneB]), 60_000, 'the healthy subscribers');
    assert.deepEqual(ra, { n: TOTAL, dropped: 0, bytes: TOTAL * payload.length });
    assert.deepEqual(rb, { n: TOTAL, dropped: 0, bytes: TOTAL * payload.length });
    const st = slow.map((s) => h.pubsub.statsOf(s));
    const rssGrowth = process.memoryUsage().rss - rss0;
    console.log('# 10 MB isolation:', JSON.stringify({ stalled: st, maxHeldMB: Math.round(maxHeld / 2 ** 20), rssGrowthMB: Math.round(rssGrowth / 2 ** 20) }));
    for (const s of st) {
      assert.equal(s.delivered + s.queued + s.batched + s.dropped, TOTAL);
      assert.ok(s.dropped >= TOTAL / 2, `stalled subscriber dropped ${s.dropped} of ${TOTAL}`);
    }
    assert.equal(h.server.stats.publishDiscardedCount, st[0]!.dropped + st[1]!.dropped);
    // Each stalled subscriber holds at most a few pushes (its socket's share plus the budget floor).
    assert.ok(maxHeld <= 8 * payload.length, `held ${maxHeld} bytes for a stalled subscriber`);
  } finally {
    for (const s of stalled) s.destroy();
  }
});
