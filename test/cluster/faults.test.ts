/**
 * Faults against real nats-server processes: the engine stopped while offers are in flight,
 * and (a 3-server NATS cluster, R3 stream) one NATS server and one node killed mid-stream.
 * In both, every offer answered OK is found in the queue afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { connect, plainTextMessage, type Client, type Message } from '../../src/index.js';
import { startCliServer } from '../helpers/cli.js';
import type { ClientCore } from '../../src/client/core.js';
import { buildOffer } from '../../src/client/queues.js';
import { startNats, startNatsCluster, startNodes, waitFor } from './nats.js';

/** SIGKILL by pid; resolves when the process is gone. */
function killProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined) return Promise.resolve();
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  process.kill(p.pid, 'SIGKILL');
  return gone;
}

/** Offers sent again by {@link offerMany} (for the figures). */
let resent = 0;

/**
 * Offers `count` messages from `client`, `inFlight` at a time; returns the last answer of each.
 * Without `retries` a sender stops at its first failure. With `retries` it sends the *same*
 * OFFER request (same message id) again after an engine failure, as an idempotent sender does.
 */
async function offerMany(
  client: Client,
  queue: string,
  prefix: string,
  count: number,
  inFlight: number,
  onAnswer?: (n: number) => void,
  retries = 0,
): Promise<Map<string, Message>> {
  const out = new Map<string, Message>();
  let next = 0;
  const send = (req: Message): Promise<Message> =>
    (client as unknown as ClientCore).request(req, { timeout: 15_000 }).catch((e: unknown) => plainTextMessage('x', 't', `client error ${String(e)}`));
  const worker = async (): Promise<void> => {
    while (next < count) {
      const text = `${prefix}${next++}`;
      const req = buildOffer(queue, plainTextMessage(text, 't', text), null, 0);
      let res = await send(req);
      for (let i = 0; i < retries && res.status === 'HANDLER_ERROR'; i++) {
        resent++;
        res = await send(req);
      }
      out.set(text, res);
      onAnswer?.(out.size);
      if (res.status !== 'OK') return; // this sender stops at its first failure, as a real one would back off
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return out;
}

/** Polls until empty; an engine that is failing over (CLUSTER_UNAVAILABLE) is retried at most `retries` times. */
async function drainAll(client: Client, queue: string, retries = 0): Promise<string[]> {
  const got: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const m = await client.poll(queue, { timeout: 200 });
    if (m.status === 'QUEUE_EMPTY') return got;
    if (retries > 0 && m.status === 'HANDLER_ERROR' && m.text.includes('[VIPC_ERR_CLUSTER_UNAVAILABLE]')) {
      retries--;
      continue;
    }
    assert.equal(m.status, 'OK', m.text);
    got.push(m.text);
  }
  return got;
}

test('the engine stopped while offers are in flight: each offer is answered OK or with a coded error, none acknowledged and lost; the nodes reconnect', async () => {
  const nats = await startNats();
  try {
    await using nodes = await startNodes(2, [nats.url], {}, { requestTimeout: 1000 });
    const [a, b] = await Promise.all([nodes.client(0), nodes.client(1)]);
    await a.createQueue('faults/durable', 5000, { durable: true });
    let stopped: Promise<void> | undefined;
    const stopAt = (n: number): void => {
      if (n >= 150 && stopped === undefined) stopped = nats.stop('SIGKILL');
    };
    const [fromA, fromB] = await Promise.all([offerMany(a, 'faults/durable', 'a', 400, 8, stopAt), offerMany(b, 'faults/durable', 'b', 400, 8)]);
    await stopped;
    const all = [...fromA, ...fromB];
    const ok = all.filter(([, r]) => r.status === 'OK').map(([t]) => t);
    const failed = all.filter(([, r]) => r.status !== 'OK');
    assert.ok(all.every(([, r]) => r.status !== undefined), 'every offer was answered');
    assert.ok(failed.length > 0, 'some offers met the stopped engine');
    for (const [t, r] of failed) {
      assert.equal(r.status, 'HANDLER_ERROR', `${t}: ${r.status} ${r.text}`);
      assert.match(r.text, /\[VIPC_ERR_CLUSTER_UNAVAILABLE\]/, t);
    }
    // While the engine is down a status request fails with the code too.
    await nats.restart();
    await waitFor(async () => (await nodes.servers[1]!.clusterStatus())?.connected === true, 10_000, 'node B to reconnect');
    await waitFor(async () => (await nodes.servers[0]!.clusterStatus())?.connected === true, 10_000, 'node A to reconnect');
    const after = await a.offer('faults/durable', plainTextMessage('after', 't', 'after'), { responseTimeout: 15_000 });
    assert.equal(after.status, 'OK', after.text);
    const stored = new Set(await drainAll(b, 'faults/durable'));
    const lost = ok.filter((t) => !stored.has(t));
    console.log(`# engine stop: ${ok.length} OK, ${failed.length} failed with a code, ${stored.size - 1} stored, lost ${lost.length}`);
    assert.deepEqual(lost, [], 'acknowledged offers are in the queue after the restart');
    assert.ok(stored.has('after'));
  } finally {
    await nats.dispose();
  }
});

test('a 3-server NATS cluster with an R3 queue: one NATS server and one node killed mid-stream, nothing acknowledged lost', async () => {
  const cluster = await startNatsCluster(3);
  try {
    const urls = cluster.map((s) => s.url);
    // Each node prefers its own NATS server and fails over to the others.
    const rotate = (i: number): string[] => [...urls.slice(i), ...urls.slice(0, i)];
    const nodeA = await startNodes(1, rotate(0), {}, { replicas: 3, requestTimeout: 2000, name: 'A' });
    const nodeB = await startNodes(1, rotate(1), {}, { replicas: 3, requestTimeout: 2000, name: 'B' });
    // Node C is a `venice-ipc serve --cluster` process, killed with SIGKILL.
    const nodeC = await startCliServer(['--port', '0', '--cluster', rotate(2).join(','), '--cluster-name', 'C']);
    const c = await connect({ uri: nodeC.uri });
    try {
      const [a, b] = await Promise.all([nodeA.client(0), nodeB.client(0)]);
      await a.createQueue('r3/q', 10_000, { durable: true });
      let killed: Promise<void> | undefined;
      const killAt = (n: number): void => {
        if (n >= 100 && killed === undefined) killed = Promise.all([cluster[1]!.stop('SIGKILL'), killProcess(nodeC.child)]).then(() => undefined);
      };
      // A retries an unconfirmed offer (same request, same id) while the engine fails over; C's node goes away.
      const [fromA, fromC] = await Promise.all([offerMany(a, 'r3/q', 'a', 300, 4, killAt, 10), offerMany(c, 'r3/q', 'c', 300, 4)]);
      await killed;
      const ok = [...fromA, ...fromC].filter(([, r]) => r.status === 'OK').map(([t]) => t);
      await waitFor(async () => (await nodeB.servers[0]!.clusterStatus())?.connected === true, 10_000, 'node B to fail over');
      const stored = await drainAll(b, 'r3/q', 10);
      const set = new Set(stored);
      const lost = ok.filter((t) => !set.has(t));
      console.log(`# R3 kill: ${ok.length} OK of ${fromA.size + fromC.size} answered, ${resent} resent by A, ${stored.length} stored, lost ${lost.length}, duplicates ${stored.length - set.size}`);
      const okA = [...fromA.values()].filter((r) => r.status === 'OK').length;
      assert.equal(okA, 300, 'every offer through A was acknowledged in the end (retried over the failover)');
      assert.deepEqual(lost, []);
      assert.equal(stored.length, set.size, 'no message twice');
    } finally {
      await nodeA[Symbol.asyncDispose]();
      await nodeB[Symbol.asyncDispose]();
      await c.close();
      await nodeC[Symbol.asyncDispose]();
    }
  } finally {
    for (const s of cluster) await s.dispose();
  }
});
