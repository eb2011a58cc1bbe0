/**
 * Scale-out on NATS JetStream (issue 14, item 7): fan-out and queue throughput with 1 node
 * embedded, 1 node on the engine and 3 nodes on the engine, in one run. Logic in `bench/cluster.ts`.
 */
import { rm } from 'node:fs/promises';
import { CLUSTER_IN_FLIGHT, CLUSTER_MESSAGE_SIZE, clusterBench, startBenchNats } from '../cluster.js';
import type { BenchContext, BenchSection, SectionResult } from '../lib/harness.js';
import { fmtRate, markdownTable } from '../lib/stats.js';

async function run(ctx: BenchContext): Promise<SectionResult> {
  const { quick, seconds, extra } = ctx.settings;
  const count = Number(extra.get('cluster-count') ?? (quick ? 2000 : Math.round(10_000 * seconds)));
  const dir = await ctx.tempDir('cluster-nats');
  const nats = await startBenchNats(dir);
  try {
    const rows = await clusterBench(nats.url, count, (s) => ctx.progress(s));
    const table = markdownTable(
      ['setup', 'fan-out, per subscriber (3 subscribers)', 'fan-out missing', 'queue offer → poll'],
      rows.map((r) => [r.setup, `${fmtRate(r.fanoutPerSubscriber)} msg/s`, String(r.fanoutMissing), `${fmtRate(r.queueRate)} msg/s`]),
      ['l', 'r', 'r', 'r'],
    );
    const markdown = [
      table,
      `*${count} messages of ${CLUSTER_MESSAGE_SIZE} B per cell; ${CLUSTER_IN_FLIGHT} publishes / offers in flight from one client on node 1; ` +
        'fan-out: 3 subscribers, spread over the nodes (all on node 1 with 1 node); queue: one consumer client per node, ' +
        `${CLUSTER_IN_FLIGHT} polls in flight in all; memory-storage streams. Nodes, clients and the orchestrator share one ` +
        'process and the nats-server is a child: on this 2-core machine the 3-node figures show the cost of the engine path, not the ' +
        'capacity of 3 machines.*',
    ].join('\n\n');
    return { markdown, data: { count, rows } };
  } finally {
    await nats.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The cluster section. */
export const section: BenchSection = {
  name: 'cluster',
  description: `scale-out on NATS JetStream: fan-out and queue throughput, 1 node embedded vs 1 and 3 nodes on the engine, ${CLUSTER_MESSAGE_SIZE}-byte messages`,
  order: 60,
  run,
};
