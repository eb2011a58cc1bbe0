/**
 * Pub/sub fan-out benchmark: one publisher process, 4 subscriber processes, 1000-byte messages,
 * the server in this process.
 *   npm run build && node dist/bench/pubsub.js [--subscribers 4] [--count 200000] [--seconds 2]
 *     [--window 1000] [--rates 25000,50000,...] [--warmup 10000] [--no-raw]
 * After `--warmup` unreported publishes (JIT warm-up), phase "max" publishes `--count` messages
 * as fast as the server answers (`--window` publishes in flight); then a ramp publishes at fixed
 * rates for `--seconds` each. Per phase: publish rate, messages/s per subscriber, delivery
 * latency p50/p99 (publisher clock → subscriber clock, same host), CPU µs per message of each
 * role, and messages dropped (by the server for slow subscribers, and by the subscriber
 * clients' own buffers). The first ramp rate with drops is reported. The standalone script
 * also runs the raw baseline (`bench/lib/stream.ts`: the publisher's bytes piped by a relay to
 * every subscriber process, no protocol); the `pubsub` section of `npm run bench` runs both.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from '../src/index.js';
import { installCleanupHandlers, trackChild } from './lib/cleanup.js';
import { rawStream } from './lib/stream.js';
import { cpuSince, MESSAGE_SIZE, publisherMain, subscriberMain, type PhaseResult, type PublishCmd, type SubscriberReport } from './pubsub-roles.js';

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
  /**
   * Publishes sent as fast as answered before the measured phases, not reported (JIT warm-up of
   * the server, publisher and subscribers; the raw relay's few functions need none). Defaults to 0.
   */
  readonly warmupCount?: number;
  /** Extra node flags for the publisher and subscriber processes (e.g. `--cpu-prof`); defaults to this process's. */
  readonly nodeArgs?: readonly string[];
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
  /**
   * CPU time per published message, µs (user + system; load barely moves it): the server (this
   * process), the publisher, and the mean subscriber (per message it received). Not measured for
   * the raw relay.
   */
  readonly cpu?: { readonly server: number; readonly publisher: number; readonly subscriber: number };
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

function spawnRole(role: string, uri: string, nodeArgs: readonly string[] | undefined): Promise<ChildProcess> {
  const execArgv = nodeArgs === undefined ? process.execArgv : [...process.execArgv, ...nodeArgs];
  const child = trackChild(fork(SELF, ['--role', role, '--uri', uri], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv }));
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child)); // "ready"
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

/** SIGTERM, SIGKILL after 5 s; resolves when the child exited. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill();
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

async function phase(name: string, pub: ChildProcess, subs: ChildProcess[], cmd: PublishCmd): Promise<PubSubRow> {
  await Promise.all(subs.map((s) => request(s, { cmd: 'reset' })));
  const cpu0 = process.cpuUsage();
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
  const serverMicros = cpuSince(cpu0);
  const received = reports.reduce((a, r) => a + r.received, 0);
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
    cpu: {
      server: serverMicros / Math.max(1, p.sent),
      publisher: p.cpuMicros / Math.max(1, p.sent),
      subscriber: reports.reduce((a, r) => a + r.cpuMicros, 0) / Math.max(1, received),
    },
  };
}

/** Formats a row for the console. */
export function formatRow(r: PubSubRow): string {
  const min = Math.min(...r.perSubscriber);
  const max = Math.max(...r.perSubscriber);
  return (
    `${r.phase.padEnd(12)} pub ${String(r.publishRate).padStart(7)} msg/s   per subscriber ${String(min).padStart(7)}..${String(max).padEnd(7)} msg/s   ` +
    `latency p50 ${r.p50.toFixed(2).padStart(7)} ms  p99 ${r.p99.toFixed(2).padStart(8)} ms   dropped server ${r.droppedServer} client ${r.droppedClient}` +
    (r.cpu === undefined ? '' : `   cpu µs/msg server ${r.cpu.server.toFixed(1)} publisher ${r.cpu.publisher.toFixed(1)} subscriber ${r.cpu.subscriber.toFixed(1)}`)
  );
}

/** The raw fan-out baseline: `count` records of {@link MESSAGE_SIZE} bytes relayed to `subscribers` processes. */
export async function rawFanout(subscribers: number, count: number): Promise<PubSubRow> {
  const f = await rawStream(count, subscribers, MESSAGE_SIZE);
  return {
    phase: 'raw net fan-out',
    publishRate: Math.round(Math.min(...f.perConsumer)),
    published: count,
    perSubscriber: f.perConsumer.map(Math.round),
    p50: f.p50,
    p99: f.p99,
    droppedServer: 0,
    droppedClient: 0,
  };
}

/** The first ramp row with drops and the last one without (undefined when none). */
export function dropOnset(rows: readonly PubSubRow[]): { firstDrop: PubSubRow | undefined; lastClean: PubSubRow | undefined } {
  const ramp = rows.filter((r) => r.phase.startsWith('ramp'));
  const firstDrop = ramp.find((r) => r.droppedServer + r.droppedClient > 0);
  const clean = ramp.filter((r) => r.droppedServer + r.droppedClient === 0 && (firstDrop === undefined || ramp.indexOf(r) < ramp.indexOf(firstDrop)));
  return { firstDrop, lastClean: clean.at(-1) };
}

/** Runs the fan-out benchmark and returns its rows (the last ramp rows after drops began are included). */
export async function pubsubBench(o: PubSubBenchOptions, onRow: (r: PubSubRow) => void = () => undefined): Promise<PubSubRow[]> {
  await using server = await createServer({ port: 0, maxConnections: o.subscribers + 4 });
  const children: Promise<ChildProcess>[] = [];
  const rows: PubSubRow[] = [];
  try {
    for (let i = 0; i < o.subscribers; i++) children.push(spawnRole('subscriber', server.uri, o.nodeArgs));
    children.push(spawnRole('publisher', server.uri, o.nodeArgs));
    const all = await Promise.all(children);
    const subs = all.slice(0, o.subscribers);
    const pub = all[o.subscribers]!;
    const add = (r: PubSubRow): void => {
      rows.push(r);
      onRow(r);
    };
    if ((o.warmupCount ?? 0) > 0) await phase('warm-up', pub, subs, { cmd: 'run', rate: 0, count: o.warmupCount ?? 0, seconds: 0, window: o.window });
    add(await phase('max', pub, subs, { cmd: 'run', rate: 0, count: o.count, seconds: 0, window: o.window }));
    for (const rate of o.rates) {
      const r = await phase(`ramp ${rate}`, pub, subs, { cmd: 'run', rate, count: 0, seconds: o.seconds, window: o.window });
      add(r);
      if (r.droppedServer + r.droppedClient > 0 && rows.filter((x) => x.phase.startsWith('ramp') && x.droppedServer + x.droppedClient > 0).length >= 2) break;
    }
  } finally {
    const settled = await Promise.allSettled(children);
    await Promise.all(settled.map((c) => (c.status === 'fulfilled' ? stopChild(c.value) : Promise.resolve())));
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
    warmupCount: Number(arg('--warmup', '10000')),
  };
  installCleanupHandlers();
  console.log(`pub/sub fan-out: 1 publisher, ${o.subscribers} subscriber processes, 1000-byte messages, node ${process.version}`);
  if (!process.argv.includes('--no-raw')) console.log(formatRow(await rawFanout(o.subscribers, o.count)));
  const rows = await pubsubBench(o, (r) => console.log(formatRow(r)));
  const { firstDrop, lastClean } = dropOnset(rows);
  console.log(
    firstDrop === undefined
      ? `no drops up to ${lastClean?.publishRate ?? 0} msg/s achieved publish rate`
      : `drops begin between ${lastClean?.publishRate ?? 0} and ${firstDrop.publishRate} msg/s (achieved publish rates)`,
  );
}

if (process.argv[1] === SELF) await main();
