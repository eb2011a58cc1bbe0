/**
 * Pub/sub fan-out benchmark: one publisher process, 4 subscriber processes, 1000-byte messages,
 * the server in this process.
 *   npm run build && node dist/bench/pubsub.js [--subscribers 4] [--count 200000] [--seconds 2]
 *     [--window 1000] [--rates 25000,50000,...]
 * Phase "max" publishes `--count` messages as fast as the server answers (`--window` publishes
 * in flight); then a ramp publishes at fixed rates for `--seconds` each. Per phase: publish rate,
 * messages/s per subscriber, delivery latency p50/p99 (publisher clock → subscriber clock, same
 * host), and messages dropped (by the server for slow subscribers, and by the subscriber
 * clients' own buffers). The first ramp rate with drops is reported.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from '../src/index.js';
import { publisherMain, subscriberMain, type PhaseResult, type PublishCmd, type SubscriberReport } from './pubsub-roles.js';

const SELF = fileURLToPath(import.meta.url);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** Options of {@link pubsubBench}. */
export interface PubSubBenchOptions {
  readonly subscribers: number;
  readonly count: number;
  readonly seconds: number;
  readonly window: number;
  readonly rates: readonly number[];
}

/** One row: a phase of the benchmark. */
export interface PubSubRow {
  readonly phase: string;
  /** Publish rate achieved, msgs/s. */
  readonly publishRate: number;
  readonly published: number;
  /** Messages/s received by each subscriber (its received count over the phase duration). */
  readonly perSubscriber: readonly number[];
  readonly p50: number;
  readonly p99: number;
  readonly droppedServer: number;
  readonly droppedClient: number;
}

function request<T>(child: ChildProcess, msg: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`child exited with ${code}`));
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
    child.once('exit', onExit);
    child.send(msg as object);
  });
}

function spawnRole(role: string, uri: string): Promise<ChildProcess> {
  const child = fork(SELF, ['--role', role, '--uri', uri], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child)); // "ready"
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

async function phase(name: string, pub: ChildProcess, subs: ChildProcess[], cmd: PublishCmd): Promise<PubSubRow> {
  await Promise.all(subs.map((s) => request(s, { cmd: 'reset' })));
  const p = await request<PhaseResult>(pub, cmd);
  // Wait until the subscribers stopped receiving (every copy delivered or dropped).
  let reports: SubscriberReport[] = [];
  let last = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    reports = await Promise.all(subs.map((s) => request<SubscriberReport>(s, { cmd: 'report' })));
    const total = reports.reduce((a, r) => a + r.received + r.droppedServer, 0);
    if (total === last || total >= p.sent * subs.length) break;
    last = total;
  }
  const lat = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const q = (x: number): number => lat[Math.min(lat.length - 1, Math.floor(x * lat.length))] ?? NaN;
  return {
    phase: name,
    publishRate: Math.round(p.sent / p.seconds),
    published: p.sent,
    perSubscriber: reports.map((r) => Math.round(r.received / Math.max(r.seconds, p.seconds))),
    p50: q(0.5),
    p99: q(0.99),
    droppedServer: reports.reduce((a, r) => a + r.droppedServer, 0),
    droppedClient: reports.reduce((a, r) => a + r.droppedClient, 0),
  };
}

/** Formats a row for the console. */
export function formatRow(r: PubSubRow): string {
  const min = Math.min(...r.perSubscriber);
  const max = Math.max(...r.perSubscriber);
  return (
    `${r.phase.padEnd(12)} pub ${String(r.publishRate).padStart(7)} msg/s   per subscriber ${String(min).padStart(7)}..${String(max).padEnd(7)} msg/s   ` +
    `latency p50 ${r.p50.toFixed(2).padStart(7)} ms  p99 ${r.p99.toFixed(2).padStart(8)} ms   dropped server ${r.droppedServer} client ${r.droppedClient}`
  );
}

/** Runs the fan-out benchmark and returns its rows (the last ramp rows after drops began are included). */
export async function pubsubBench(o: PubSubBenchOptions, onRow: (r: PubSubRow) => void = () => undefined): Promise<PubSubRow[]> {
  await using server = await createServer({ port: 0, maxConnections: o.subscribers + 4 });
  const subs = await Promise.all(Array.from({ length: o.subscribers }, () => spawnRole('subscriber', server.uri)));
  const pub = await spawnRole('publisher', server.uri);
  const rows: PubSubRow[] = [];
  try {
    const add = (r: PubSubRow): void => {
      rows.push(r);
      onRow(r);
    };
    add(await phase('max', pub, subs, { cmd: 'run', rate: 0, count: o.count, seconds: 0, window: o.window }));
    for (const rate of o.rates) {
      const r = await phase(`ramp ${rate}`, pub, subs, { cmd: 'run', rate, count: 0, seconds: o.seconds, window: o.window });
      add(r);
      if (r.droppedServer + r.droppedClient > 0 && rows.filter((x) => x.phase.startsWith('ramp') && x.droppedServer + x.droppedClient > 0).length >= 2) break;
    }
  } finally {
    for (const c of [...subs, pub]) c.kill();
  }
  return rows;
}

async function main(): Promise<void> {
  const role = arg('--role', '');
  if (role === 'subscriber') return subscriberMain(arg('--uri', ''));
  if (role === 'publisher') return publisherMain(arg('--uri', ''));
  const o: PubSubBenchOptions = {
    subscribers: Number(arg('--subscribers', '4')),
    count: Number(arg('--count', '200000')),
    seconds: Number(arg('--seconds', '2')),
    window: Number(arg('--window', '1000')),
    rates: arg('--rates', '25000,50000,75000,100000,125000,150000,200000').split(',').map(Number),
  };
  console.log(`pub/sub fan-out: 1 publisher, ${o.subscribers} subscriber processes, 1000-byte messages, node ${process.version}`);
  const rows = await pubsubBench(o, (r) => console.log(formatRow(r)));
  const firstDrop = rows.find((r) => r.phase.startsWith('ramp') && r.droppedServer + r.droppedClient > 0);
  const lastClean = rows.filter((r) => r.phase.startsWith('ramp') && r.droppedServer + r.droppedClient === 0).at(-1);
  console.log(
    firstDrop === undefined
      ? `no drops up to ${lastClean?.publishRate ?? 0} msg/s achieved publish rate`
      : `drops begin between ${lastClean?.publishRate ?? 0} and ${firstDrop.publishRate} msg/s (achieved publish rates)`,
  );
}

if (process.argv[1] === SELF) await main();
