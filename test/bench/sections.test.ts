/**
 * Smoke test of the bench sections (not a timed test): every section of `npm run bench` runs in
 * its quickest mode with tiny sizes and durations, and must return markdown and rows with the
 * fields the docs and `bench/results/latest.json` rely on. No figure is checked. Afterwards no
 * child process may be left running.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupNow, liveChildren } from '../../bench/lib/cleanup.js';
import { createContext, type BenchContext, type BenchSection, type Measurement } from '../../bench/lib/harness.js';
import { section as durable } from '../../bench/sections/durable.js';
import { section as pubsub } from '../../bench/sections/pubsub.js';
import { section as queue } from '../../bench/sections/queue.js';
import { section as requestResponse, unixAtLeastTcp, type Cell } from '../../bench/sections/request-response.js';
import { section as security } from '../../bench/sections/security.js';

const EXTRA: Record<string, string> = {
  // request-response: one cell
  sizes: '5KB',
  transports: 'unix',
  'in-flight': '1',
  rounds: '1',
  // queue
  'queue-count': '300',
  'queue-rounds': '1',
  'queue-paced-seconds': '0.2',
  // pubsub
  'pubsub-subscribers': '2',
  'pubsub-count': '300',
  'pubsub-rates': '2000',
  'pubsub-ramp-seconds': '0.2',
  // security: one size, one in-flight count, four variants
  'security-sizes': '5',
  'security-in-flight': '1',
  'security-rounds': '1',
  'security-seconds': '0.1',
  // durable
  'durable-seconds': '0.1',
};

function tinyContext(): BenchContext {
  const ctx = createContext({ seconds: 0.1, warmupSeconds: 0, quick: true, nodeArgs: [], extra: new Map(Object.entries(EXTRA)) });
  return { ...ctx, progress: () => undefined };
}

async function runSection(s: BenchSection): Promise<{ markdown: string; data: Record<string, unknown> }> {
  const r = await s.run(tinyContext());
  assert.equal(typeof r.markdown, 'string');
  assert.match(r.markdown, /^\| .* \|$/m, 'a markdown table');
  assert.doesNotMatch(r.markdown, /NaN|undefined/);
  assert.equal(liveChildren(), 0, `${s.name} left child processes running`);
  assert.doesNotThrow(() => JSON.stringify(r.data));
  return r as { markdown: string; data: Record<string, unknown> };
}

const num = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

function assertMeasurement(m: Measurement): void {
  for (const k of ['messageCount', 'throughputMsgs', 'throughputMB', 'latencyP50Millis', 'latencyP99Millis', 'clientCpuMicrosPerMsg'] as const) {
    assert.ok(num(m[k]), `measurement field ${k}`);
  }
  assert.ok(m.messageCount > 0);
}

after(() => cleanupNow());

test('request-response section: one cell with venice, raw and ratio', async () => {
  const { data, markdown } = await runSection(requestResponse);
  const cells = data['cells'] as { transport: string; inFlight: number; size: number; venice: Measurement; raw: Measurement; ratio: number; met: boolean }[];
  assert.equal(cells.length, 1);
  const c = cells[0]!;
  assert.deepEqual([c.transport, c.inFlight, c.size], ['unix', 1, 5120]);
  assertMeasurement(c.venice);
  assertMeasurement(c.raw);
  assert.ok(num(c.ratio) && c.ratio > 0);
  assert.equal(typeof c.met, 'boolean');
  assert.match(markdown, /Ratio to raw/);
});

test('queue section: queue and raw figures with the ratio', async () => {
  const { data, markdown } = await runSection(queue);
  for (const side of ['queue', 'raw']) {
    const f = data[side] as { rate: number; p50: number; p99: number; count: number };
    assert.ok(num(f.rate) && f.rate > 0, `${side}.rate`);
    assert.ok(num(f.p50) && num(f.p99) && f.p99 >= f.p50, `${side} latency`);
    assert.equal(f.count, 300);
  }
  assert.ok(num(data['ratio']));
  assert.equal(data['messageSize'], 1000);
  assert.equal(data['inFlight'], 64);
  assert.match(markdown, /queue offer\/poll/);
  assert.match(markdown, /raw `net`/);
  const paced = data['paced'] as { rate: number; count: number; queue: { p50: number; p99: number; count: number }; raw: { p50: number; p99: number } };
  assert.equal(paced.rate, 5000);
  assert.equal(paced.count, 1000);
  for (const f of [paced.queue, paced.raw]) assert.ok(num(f.p50) && num(f.p99) && f.p99 >= f.p50 && f.p50 > 0);
  assert.match(markdown, /paced at 5,?000 msgs\/s/);
});

test('pubsub section: raw fan-out, max and ramp rows per subscriber with drops', async () => {
  const { data, markdown } = await runSection(pubsub);
  const rows = [data['raw'], ...(data['rows'] as unknown[])] as {
    phase: string;
    publishRate: number;
    perSubscriber: number[];
    p50: number;
    p99: number;
    droppedServer: number;
    droppedClient: number;
  }[];
  assert.deepEqual(
    rows.map((r) => r.phase),
    ['raw net fan-out', 'max', 'ramp 2000'],
  );
  for (const r of rows) {
    assert.equal(r.perSubscriber.length, 2, r.phase);
    assert.ok(r.perSubscriber.every((x) => num(x) && x > 0), r.phase);
    assert.ok(num(r.publishRate) && num(r.p50) && num(r.p99), r.phase);
    assert.ok(Number.isInteger(r.droppedServer) && Number.isInteger(r.droppedClient), r.phase);
  }
  assert.ok(num(data['ratio']));
  assert.match(markdown, /Drops: /);
});

test('security section: four variants with the ratio to plain and the 5 KB target', async () => {
  const { data, markdown } = await runSection(security);
  const rows = data['rows'] as { variant: string; size: number; inFlight: number; msgsPerSec: number; mbPerSec: number; ratioToPlain: number }[];
  assert.deepEqual(
    rows.map((r) => r.variant),
    ['plain', 'encrypted', 'compressed', 'encrypted+compressed'],
  );
  for (const r of rows) {
    assert.equal(r.size, 5120);
    assert.equal(r.inFlight, 1);
    assert.ok(num(r.msgsPerSec) && r.msgsPerSec > 0 && num(r.mbPerSec) && num(r.ratioToPlain), r.variant);
  }
  assert.equal(rows[0]!.ratioToPlain, 1);
  const target = data['target'] as { ratio: number; met: boolean };
  assert.ok(num(target.ratio));
  assert.match(markdown, /Target encrypted ≥ 0\.5× plain at 5 KB/);
});

test('durable section: raw baselines, WAL, memory, durable and producer + consumer rows, no acknowledgement before its sync', async () => {
  const { data, markdown } = await runSection(durable);
  const rows = data['rows'] as { kind: string; inFlight: number; msgsPerSec: number; p50: number; p99: number; syncsPerMsg: number | null }[];
  assert.deepEqual(
    rows.map((r) => `${r.kind}/${r.inFlight}`),
    ['raw/1', 'raw64/64', 'wal/1', 'wal/64', 'memory/1', 'memory/64', 'durable/1', 'durable/64', 'pair/1', 'pair/64'],
  );
  for (const r of rows) {
    assert.ok(num(r.msgsPerSec) && r.msgsPerSec > 0 && num(r.p50) && num(r.p99), `${r.kind}/${r.inFlight}`);
    assert.equal(r.syncsPerMsg === null, r.kind === 'memory');
  }
  assert.ok((data['acksChecked'] as number) > 0);
  assert.equal(data['acksBeforeSync'], 0);
  assert.match(markdown, /ratio to raw/);
  assert.match(markdown, /Issue 10 targets, a producer and a consumer process/);
});

test('request-response: Unix ≥ TCP is judged per size and in-flight count on venice msgs/s', () => {
  const m = (rate: number): Measurement => ({ throughputMsgs: rate }) as Measurement;
  const cell = (transport: 'tcp' | 'unix', inFlight: number, size: number, rate: number): Cell =>
    ({ transport, inFlight, size, venice: m(rate), raw: m(1), ratio: rate, target: 0.8, met: true, veniceRounds: [], rawRounds: [] }) as Cell;
  const r = unixAtLeastTcp([cell('tcp', 1, 5120, 100), cell('tcp', 16, 5120, 200), cell('unix', 1, 5120, 120), cell('unix', 16, 5120, 150), cell('unix', 1, 50, 9)]);
  assert.deepEqual(
    r.map((x) => [x.inFlight, x.size, Number(x.ratio.toFixed(2)), x.met]),
    [
      [1, 5120, 1.2, true],
      [16, 5120, 0.75, false],
    ],
  );
});
