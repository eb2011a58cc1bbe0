/**
 * Pub/sub fan-out (issue 4, item 6): one publisher, 4 subscriber processes, 1000-byte messages;
 * msgs/s per subscriber, delivery latency p50/p99, drops, the publish rate at which drops
 * begin; next to the raw baseline (a `node:net` relay piping the publisher's bytes to every
 * subscriber process) measured in the same run. Logic in `bench/pubsub.ts`.
 */
import { dropOnset, pubsubBench, rawFanout, type PubSubRow } from '../pubsub.js';
import { MESSAGE_SIZE } from '../pubsub-roles.js';
import type { BenchContext, BenchSection, SectionResult } from '../lib/harness.js';
import { fmtMs, fmtRate, fmtRatio, markdownTable } from '../lib/stats.js';

/** Issue 4's target per subscriber on this 2-core machine (NATS core reaches ~109k/s with the same shape). */
const TARGET = 100_000;
/** Issue 11: fan-out ≥ 0.6× the raw relay; paced at 5,000 msgs/s, publish → delivery p99 ≤ 5 ms. */
const RATIO_TARGET = 0.6;
const PACED_RATE = 5_000;
const PACED_P99_TARGET_MS = 5;
const RATES = [PACED_RATE, 25_000, 50_000, 75_000, 100_000, 125_000, 150_000, 200_000];

function cells(r: PubSubRow): string[] {
  const min = Math.min(...r.perSubscriber);
  const max = Math.max(...r.perSubscriber);
  return [
    r.phase,
    `${fmtRate(r.publishRate)} msg/s`,
    min === max ? `${fmtRate(min)} msg/s` : `${fmtRate(min)}–${fmtRate(max)} msg/s`,
    `${fmtMs(r.p50)} / ${fmtMs(r.p99)} ms`,
    `${r.droppedServer} / ${r.droppedClient}`,
  ];
}

async function run(ctx: BenchContext): Promise<SectionResult> {
  const { quick, seconds, warmupSeconds, extra } = ctx.settings;
  const subscribers = Number(extra.get('pubsub-subscribers') ?? 4);
  const count = Number(extra.get('pubsub-count') ?? (quick ? 5000 : Math.round(50_000 * seconds)));
  const rampSeconds = Number(extra.get('pubsub-ramp-seconds') ?? (quick ? 0.5 : 2 * seconds));
  // Unreported publishes first, so that "max" measures warm code (about warmupSeconds at 25k msgs/s).
  const warmupCount = Number(extra.get('pubsub-warmup') ?? Math.round(25_000 * warmupSeconds));
  const rates = extra.get('pubsub-rates')?.split(',').map(Number) ?? (quick ? [PACED_RATE, 25_000, 100_000] : RATES);
  ctx.progress(`pubsub: raw fan-out baseline, ${count} × ${MESSAGE_SIZE} B to ${subscribers} processes`);
  const raw = await rawFanout(subscribers, count);
  ctx.progress(`pubsub: max rate, ${count} messages, then ramp ${rates.join(', ')} msg/s × ${rampSeconds} s`);
  // With --cpu-prof the publisher and subscribers write profiles (the server runs in this process:
  // profile it with `node --cpu-prof dist/bench/pubsub.js`, whose children inherit the flag).
  const nodeArgs = ctx.settings.nodeArgs;
  const rows = await pubsubBench({ subscribers, count, seconds: rampSeconds, window: 1000, rates, nodeArgs, warmupCount }, (r) =>
    ctx.progress(`pubsub:   ${r.phase}: publish ${r.publishRate} msg/s, per subscriber ≥ ${Math.min(...r.perSubscriber)} msg/s, dropped ${r.droppedServer + r.droppedClient}`),
  );
  const max = rows.find((r) => r.phase === 'max');
  const perSub = max === undefined ? 0 : Math.min(...max.perSubscriber);
  const rawPerSub = Math.min(...raw.perSubscriber);
  const ratio = rawPerSub > 0 ? perSub / rawPerSub : 0;
  const { firstDrop, lastClean } = dropOnset(rows);
  const dropLine =
    firstDrop === undefined
      ? `no drops up to the highest publish rate reached (${fmtRate(Math.max(0, ...rows.map((r) => r.publishRate)))} msg/s; the publisher, not the fan-out, was the limit)`
      : `drops begin between ${fmtRate(lastClean?.publishRate ?? 0)} and ${fmtRate(firstDrop.publishRate)} msg/s achieved publish rate`;
  const table = markdownTable(
    ['phase', 'publish rate', 'per subscriber', 'delivery p50 / p99', 'dropped server / client'],
    [cells(raw), ...rows.map(cells)],
    ['l', 'r', 'r', 'r', 'r'],
  );
  const met = perSub >= TARGET;
  const paced = rows.find((r) => r.phase === `ramp ${PACED_RATE}`);
  const pacedLine =
    paced === undefined
      ? `Paced at ${fmtRate(PACED_RATE)} msgs/s: not run (not among the rates).`
      : `Paced at ${fmtRate(PACED_RATE)} msgs/s, publish → delivery p99: **${fmtMs(paced.p99)} ms** (target ≤ ${PACED_P99_TARGET_MS} ms) — ${paced.p99 <= PACED_P99_TARGET_MS ? 'met' : 'missed ✗'}.`;
  const cpuOf = (r: PubSubRow | undefined): string =>
    r?.cpu === undefined
      ? 'not measured'
      : `server ${r.cpu.server.toFixed(1)}, publisher ${r.cpu.publisher.toFixed(1)}, each subscriber ${r.cpu.subscriber.toFixed(1)} µs`;
  const cpuLine = `CPU time per message (user + system; load moves it less than the rates): max phase ${cpuOf(max)}; paced ${cpuOf(paced)}.`;
  const markdown = [
    table,
    `Ratio to raw (max phase, slowest subscriber ÷ raw slowest subscriber): **${fmtRatio(ratio)}**. ` +
      `Target (issue 11) ≥ ${fmtRatio(RATIO_TARGET)} raw — ${ratio >= RATIO_TARGET ? 'met' : 'missed ✗'}. ` +
      `Target (issue 4) ≥ ${fmtRate(TARGET)} msgs/s per subscriber: ${fmtRate(perSub)} — ${met ? 'met' : 'missed ✗'}. Drops: ${dropLine}.`,
    pacedLine,
    cpuLine,
    `*1 publisher and ${subscribers} subscriber processes, server (or relay) in the orchestrator, ${MESSAGE_SIZE}-byte messages. ` +
      `${warmupCount} unreported warm-up publishes first; "max": ${count} publishes as fast as answered (1000 in flight); "ramp R": R msg/s asked for ${rampSeconds} s (the publish ` +
      'rate column is what was reached). Latency = publisher clock → subscriber clock, every 8th message. Raw: the same ' +
      'records piped by a `node:net` relay to every subscriber, no protocol, lossless.*',
  ].join('\n\n');
  return { markdown, data: { subscribers, count, warmupCount, rampSeconds, raw, rows, ratio, target: TARGET, met, firstDrop: firstDrop?.phase ?? null } };
}

/** The fan-out section. */
export const section: BenchSection = {
  name: 'pubsub',
  description: `pub/sub fan-out, 1 publisher → 4 subscriber processes, ${MESSAGE_SIZE}-byte messages, vs a raw node:net fan-out relay`,
  order: 30,
  run,
};
