import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { binaryMessage, type Client } from '../../src/index.js';
import { deferred } from '../../src/util/deferred.js';
import { harness, rawStalledSubscriber, sessions, within, type Harness } from './helpers.js';

const PAYLOAD = Buffer.alloc(1000, 7);

/** Heap in use after a full collection (the flag makes `gc` reachable from a fresh context). */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

async function burst(pub: Client, total: number, window: number, onWindow?: () => void): Promise<void> {
  for (let sent = 0; sent < total; sent += window) {
    const n = Math.min(window, total - sent);
    const answers = await Promise.all(Array.from({ length: n }, () => pub.publish(binaryMessage(null, 'news', 'application/octet-stream', PAYLOAD))));
    assert.ok(answers.every((a) => a.responseOk));
    onWindow?.();
  }
}

async function latencies(pub: Client, n: number): Promise<{ p50: number; p99: number }> {
  const l: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await pub.publish(binaryMessage(null, 'news', 'application/octet-stream', PAYLOAD));
    l.push(performance.now() - t0);
  }
  l.sort((a, b) => a - b);
  return { p50: l[Math.floor(n * 0.5)]!, p99: l[Math.floor(n * 0.99)]! };
}

function counting(h: Harness, client: Client, total: number): Promise<{ n: number; dropped: number }> {
  return client.subscribe('news').then(async (sub) => {
    let n = 0;
    for await (const _m of sub) if (++n === total) break;
    assert.ok(h.server.running);
    return { n, dropped: sub.dropped };
  });
}

test('a subscriber that never reads cannot slow the publisher or the other subscribers; its copies are dropped and counted', { timeout: 90_000 }, async () => {
  const budget = 256 * 1024;
  await using h = await harness({ publishBufferSize: budget });
  const pub = await h.client();
  const fast = await h.client();
  const PROBES = 200;
  const TOTAL = 100_000;
  const fastDone = counting(h, fast, TOTAL + 2 * PROBES);
  await within(new Promise<void>((r) => { const check = (): void => (h.pubsub.subscriberCount('news') === 1 ? r() : void setImmediate(check)); check(); }), 5000, 'fast subscription');
  const before = await latencies(pub, PROBES);

  const port = h.server.endpoint.kind === 'inet' ? h.server.endpoint.port : 0;
  const stalled = await rawStalledSubscriber(port);
  try {
    const slow = sessions(h).at(-1)!;
    assert.equal(h.pubsub.subscriberCount('news'), 2);
    const heapBefore = heapAfterGc();
    let maxOutbound = 0;
    let maxQueued = 0;
    let maxHeld = 0;
    const t0 = performance.now();
    await burst(pub, TOTAL, 500, () => {
      maxOutbound = Math.max(maxOutbound, slow.connection.outboundBytes);
      const st = h.pubsub.statsOf(slow);
      maxQueued = Math.max(maxQueued, st.queued);
      maxHeld = Math.max(maxHeld, st.heldBytes);
    });
    const burstMs = performance.now() - t0;
    const after = await latencies(pub, PROBES);
    const heapGrowth = heapAfterGc() - heapBefore;
    const fastResult = await within(fastDone, 60_000, 'the fast subscriber');
    const s = h.pubsub.statsOf(slow);
    const stats = h.server.stats;
    const info = { burstMs: Math.round(burstMs), before, after, maxOutbound, maxQueued, maxHeld, heapGrowthMB: Math.round(heapGrowth / 2 ** 20), slow: s };
    console.log('# slow subscriber:', JSON.stringify(info));

    // The other subscriber got every message, nothing dropped anywhere on its path.
    assert.deepEqual(fastResult, { n: TOTAL + 2 * PROBES, dropped: 0 });
    // Every copy for the stalled subscriber is accounted for: handed to its socket, queued or dropped.
    assert.equal(s.delivered + s.queued + s.batched + s.dropped, TOTAL + PROBES);
    assert.ok(s.dropped > TOTAL / 2, `most copies dropped (${s.dropped})`);
    assert.equal(stats.publishDiscardedCount, s.dropped);
    assert.equal(stats.responseDiscardedCount, 0, 'drops are not discarded responses');
    // Memory stays bounded: unsent bytes within the socket budget (plus one push). The queue's byte
    // budget follows what the socket drained recently: before the stall is detected it may hold a
    // few times the bytes the kernel took in its last windows (some MB on loopback), then nothing more.
    assert.ok(maxOutbound <= budget + 2 * PAYLOAD.length, `outbound ${maxOutbound} within ${budget}`);
    assert.ok(maxHeld <= 16 * 2 ** 20, `held ${maxHeld} bytes within 16 MiB`);
    assert.equal(s.queued, maxQueued, 'once stalled, the queue took no more pushes');
    assert.ok(heapGrowth < 32 * 2 ** 20, `heap grew ${heapGrowth} bytes`);
    // Publishing is not slowed down by the stalled subscriber.
    assert.ok(after.p99 < Math.max(250, before.p99 * 10), `p99 ${after.p99} ms vs ${before.p99} ms before`);
    // The drops were recorded in the subscriber's error buffer and reported in its status.
    const recorded = slow.takeError();
    assert.match(recorded?.error.description ?? '', /Discarded a message published to topic 'news'/);
    const status = await pub.serverStatus();
    assert.equal(status['publish-discarded-count'], s.dropped);
    assert.equal(status['publish-discarded-this-client-count'], undefined, 'ipc-server/status has only the Venice keys');
    assert.equal((await pub.extendedStatus())['publish-discarded-this-client-count'], 0, 'the publisher itself lost nothing');
    assert.equal(await fast.publishDiscardedCount(), 0);
  } finally {
    stalled.destroy();
  }
});

test('a subscriber that disconnects during a burst is removed at once; the others are unaffected', { timeout: 60_000 }, async () => {
  await using h = await harness();
  const pub = await h.client();
  const other = await h.client();
  const leaving = await h.client();
  const TOTAL = 20_000;
  let otherGot = 0;
  const otherAll = deferred<void>();
  const otherSub = await other.subscribe('news', () => {
    if (++otherGot === TOTAL) otherAll.resolve();
  });
  let got = 0;
  const leavingSub = await leaving.subscribe('news', () => {
    if (++got === 1000) void leaving.close(); // never awaited: the close is observed through `closed` below
  });
  await within(new Promise<void>((r) => { const check = (): void => (h.pubsub.subscriberCount('news') === 2 ? r() : void setImmediate(check)); check(); }), 5000, 'both subscriptions');
  const leavingSession = sessions(h).at(-1)!;
  await burst(pub, TOTAL, 500);
  await within(leavingSession.connection.closed, 10_000, 'the server to see the disconnect');
  assert.equal(h.pubsub.subscriberCount('news'), 1, 'the closed connection left the registry');
  // Ends with the connection (the reason may be a truncated read: the server was mid-push when the client left).
  await within(leavingSub.closed, 5000, 'the subscription to end');
  assert.equal(leavingSub.isClosed, true);
  assert.ok(got >= 1000 && got <= TOTAL);
  await within(otherAll.promise, 30_000, 'the other subscriber');
  assert.equal(otherSub.dropped, 0);
  const status = await pub.serverStatus();
  assert.equal(status['subscription-client-count'], 1);
  assert.equal(status['subscription-topic-count'], 1);
});
