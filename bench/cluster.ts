/**
 * Scale-out figures (issue 14, item 7): fan-out and queue throughput with 1 node embedded,
 * 1 node on the engine and 3 nodes on the engine, in one run. Nodes and clients run in this
 * process (the machine has 2 cores; the nats-server is a child process), so the figures compare
 * the paths, not what 3 machines would reach.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, plainTextMessage, type Client, type Server } from '../src/index.js';
import { trackChild } from './lib/cleanup.js';

/** Payload of every message, bytes. */
export const CLUSTER_MESSAGE_SIZE = 1000;
/** Offers, polls and publishes in flight per client. */
export const CLUSTER_IN_FLIGHT = 32;

/** One configuration of the comparison. */
export type ClusterSetup = 'embedded, 1 node' | 'engine, 1 node' | 'engine, 3 nodes';

/** Figures of one setup. */
export interface ClusterFigures {
  readonly setup: ClusterSetup;
  /** Messages per second each subscriber received (the slowest one). */
  readonly fanoutPerSubscriber: number;
  /** Pushes a subscriber did not get within the wait (dropped or late). */
  readonly fanoutMissing: number;
  /** Offer → poll throughput, producer on node 1, one consumer per node. */
  readonly queueRate: number;
}

/** Starts a nats-server with JetStream on a loopback port it picks; resolves with its URL and a stop function. */
export async function startBenchNats(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const ports = join(dir, 'ports');
  mkdirSync(ports, { recursive: true });
  const bin = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p)) ?? 'nats-server';
  const proc = trackChild(spawn(bin, ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', join(dir, 'js'), '--ports_file_dir', ports], { stdio: 'ignore' }));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const f = readdirSync(ports).find((n) => n.endsWith('.ports'));
    if (f !== undefined) {
      const url = (JSON.parse(readFileSync(join(ports, f), 'utf8')) as { nats: string[] }).nats[0] as string;
      return {
        url,
        stop: () =>
          new Promise((resolve) => {
            if (proc.exitCode !== null) return resolve();
            proc.once('exit', () => resolve());
            proc.kill('SIGTERM');
          }),
      };
    }
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error('nats-server did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function fanout(nodes: readonly Server[], count: number): Promise<{ perSubscriber: number; missing: number }> {
  const pub = await connect({ uri: nodes[0]!.uri });
  const subs: Client[] = [];
  const received: number[] = [];
  const done: Array<Promise<void>> = [];
  const topic = `bench-fanout-${Date.now()}`;
  try {
    for (let i = 0; i < 3; i++) {
      const c = await connect({ uri: nodes[i % nodes.length]!.uri });
      subs.push(c);
      received.push(0);
      let resolve!: () => void;
      done.push(new Promise<void>((r) => (resolve = r)));
      await c.subscribe(topic, () => {
        if (++received[i]! === count) resolve();
      }, { bufferSize: count + 10 });
    }
    const payload = 'x'.repeat(CLUSTER_MESSAGE_SIZE);
    const t0 = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) await pub.publish(plainTextMessage(String(next++), topic, payload));
    };
    await Promise.all(Array.from({ length: CLUSTER_IN_FLIGHT }, worker));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(done), new Promise<void>((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    const s = (performance.now() - t0) / 1000;
    const slowest = Math.min(...received);
    return { perSubscriber: slowest / s, missing: count * 3 - received.reduce((a, b) => a + b, 0) };
  } finally {
    await Promise.all([pub.close(), ...subs.map((c) => c.close())]);
  }
}

async function queue(nodes: readonly Server[], count: number): Promise<number> {
  const name = `bench/q-${Date.now()}`;
  await nodes[0]!.createQueue(name, { capacity: Math.max(1000, count) });
  const producer = await connect({ uri: nodes[0]!.uri });
  const consumers = await Promise.all(nodes.map((n) => connect({ uri: n.uri })));
  try {
    const payload = 'x'.repeat(CLUSTER_MESSAGE_SIZE);
    const t0 = performance.now();
    let offered = 0;
    let polled = 0;
    const offerer = async (): Promise<void> => {
      while (offered < count) {
        const r = await producer.offer(name, plainTextMessage(String(offered++), 'q', payload));
        if (!r.responseOk) throw new Error(`offer: ${r.status} ${r.text}`);
      }
    };
    const poller = async (c: Client): Promise<void> => {
      while (polled < count) {
        const m = await c.poll(name, { timeout: 500 });
        if (m.responseOk) polled++;
        else if (m.status !== 'QUEUE_EMPTY') throw new Error(`poll: ${m.status} ${m.text}`);
      }
    };
    const perConsumer = Math.max(1, Math.floor(CLUSTER_IN_FLIGHT / consumers.length));
    await Promise.all([
      ...Array.from({ length: CLUSTER_IN_FLIGHT }, offerer),
      ...consumers.flatMap((c) => Array.from({ length: perConsumer }, () => poller(c))),
    ]);
    return count / ((performance.now() - t0) / 1000);
  } finally {
    await Promise.all([producer.close(), ...consumers.map((c) => c.close())]);
    await nodes[0]!.removeQueue(name);
  }
}

/** Runs the three setups one after the other. */
export async function clusterBench(natsUrl: string, count: number, progress: (s: string) => void): Promise<ClusterFigures[]> {
  const setups: Array<[ClusterSetup, number, boolean]> = [
    ['embedded, 1 node', 1, false],
    ['engine, 1 node', 1, true],
    ['engine, 3 nodes', 3, true],
  ];
  const out: ClusterFigures[] = [];
  for (const [setup, n, engine] of setups) {
    const nodes: Server[] = [];
    try {
      for (let i = 0; i < n; i++) {
        nodes.push(await createServer({ port: 0, ...(engine ? { cluster: { servers: natsUrl, name: `bench-${i}` } } : {}) }));
      }
      // A short unmeasured round first (JIT, connections, the engine's first stream).
      await fanout(nodes, Math.ceil(count / 10));
      await queue(nodes, Math.ceil(count / 10));
      progress(`cluster: ${setup}: fan-out of ${count} publishes to 3 subscribers`);
      const f = await fanout(nodes, count);
      progress(`cluster: ${setup}: queue of ${count} messages`);
      const q = await queue(nodes, count);
      out.push({ setup, fanoutPerSubscriber: f.perSubscriber, fanoutMissing: f.missing, queueRate: q });
    } finally {
      await Promise.all(nodes.map((s) => s.close()));
    }
  }
  return out;
}
