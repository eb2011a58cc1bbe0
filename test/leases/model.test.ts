/**
 * Model-based test of at-least-once queues: random sequences of offer, lease poll, ack (also
 * by the wrong connection and after the lease ran out), nack now or later, lease expiry,
 * consumer disconnect and server restart against a durable queue; after every step the queue
 * matches a simple reference model. Seeded; a failure names seed and step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, ErrorCode, isIpcError, plainTextMessage, type Client, type LeasedMessage, type Server } from '../../src/index.js';
import { tempDir } from '../wal/helpers.js';
import { until } from './helpers.js';

const SEEDS = [1, 2, 3];
const STEPS = 150;
const CAPACITY = 40;
const CONSUMERS = 2;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Item {
  readonly name: string;
  state: 'visible' | 'leased' | 'delayed';
  holder: number;
  deliveries: number;
  msg: LeasedMessage | undefined;
}

async function runModel(seed: number, dir: string, ops: Map<string, number>): Promise<void> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const model: Item[] = [];
  const stale: LeasedMessage[] = [];
  let server: Server = await createServer({ port: 0, walDir: dir });
  await server.createQueue('q', { capacity: CAPACITY, durable: true });
  let producer: Client = await connect({ uri: server.uri });
  const consumers: Client[] = [];
  for (let i = 0; i < CONSUMERS; i++) consumers.push(await connect({ uri: server.uri }));
  let offered = 0;
  const where = (step: number, op: string): string => `seed ${seed} step ${step} (${op})`;
  const count = (s: Item['state']): number => model.filter((m) => m.state === s).length;
  const serverMatches = async (ctx: string): Promise<void> => {
    const st = server.queueStatus('q');
    assert.equal(st.size, model.length, `${ctx}: size`);
    assert.equal(st.leased ?? 0, count('leased'), `${ctx}: leased`);
    assert.equal(st.delayed ?? 0, count('delayed'), `${ctx}: delayed`);
  };
  const closeAll = async (): Promise<void> => {
    await Promise.all([producer, ...consumers].map((c) => c.close()));
    await server.close();
  };
  try {
    for (let step = 0; step < STEPS; step++) {
      const leased = model.filter((m) => m.state === 'leased');
      const r = rnd();
      let op: string;
      if (r < 0.25 && model.length < CAPACITY) {
        op = 'offer';
        const name = `m${offered++}`;
        assert.equal((await producer.offer('q', plainTextMessage(name, 'w', name, { durable: true }))).status, 'OK', where(step, op));
        model.push({ name, state: 'visible', holder: -1, deliveries: 0, msg: undefined });
      } else if (r < 0.5) {
        const ci = Math.floor(rnd() * CONSUMERS);
        op = `poll by ${ci}`;
        const got = await consumers[ci]!.poll('q', { lease: 60_000 });
        const next = model.find((m) => m.state === 'visible');
        if (next === undefined) assert.equal(got.status, 'QUEUE_EMPTY', where(step, op));
        else {
          next.deliveries++;
          assert.deepEqual([got.status, got.text, got.deliveryCount], ['OK', next.name, next.deliveries], where(step, op));
          Object.assign(next, { state: 'leased', holder: ci, msg: got });
        }
      } else if (r < 0.62 && leased.length > 0) {
        const it = pick(leased);
        const wrong = rnd() < 0.2;
        op = `ack of ${it.name}${wrong ? ' by the wrong connection' : ''}`;
        if (wrong) {
          await assert.rejects(consumers[(it.holder + 1) % CONSUMERS]!.ack(it.msg!), (e: unknown) => isIpcError(e) && e.code === ErrorCode.LEASE_NOT_HELD, where(step, op));
        } else {
          await consumers[it.holder]!.ack(it.msg!);
          model.splice(model.indexOf(it), 1);
        }
      } else if (r < 0.7 && leased.length > 0) {
        const it = pick(leased);
        const later = rnd() < 0.4;
        op = `nack of ${it.name}${later ? ' for later' : ''}`;
        await consumers[it.holder]!.nack(it.msg!, later ? { delay: 600_000 } : {});
        Object.assign(it, { state: later ? 'delayed' : 'visible', holder: -1, msg: undefined });
      } else if (r < 0.78 && leased.length > 0) {
        const it = pick(leased);
        op = `lease expiry of ${it.name}`;
        await consumers[it.holder]!.extend(it.msg!, 1);
        stale.push(it.msg!);
        Object.assign(it, { state: 'visible', holder: -1, msg: undefined });
        await until(async () => (server.queueStatus('q').leased ?? 0) === count('leased'), where(step, op));
      } else if (r < 0.82 && stale.length > 0) {
        const m = stale.pop()!;
        op = 'ack after the lease ran out';
        const holder = consumers.findIndex((c) => c !== undefined);
        await assert.rejects(consumers[holder]!.ack(m), (e: unknown) => isIpcError(e) && e.code === ErrorCode.LEASE_NOT_HELD, where(step, op));
      } else if (r < 0.9) {
        const ci = Math.floor(rnd() * CONSUMERS);
        op = `disconnect of ${ci}`;
        await consumers[ci]!.close();
        for (const it of model) if (it.state === 'leased' && it.holder === ci) Object.assign(it, { state: 'visible', holder: -1, msg: undefined });
        await until(async () => (server.queueStatus('q').leased ?? 0) === count('leased'), where(step, op));
        consumers[ci] = await connect({ uri: server.uri });
        stale.length = 0; // their tokens belong to a closed connection
      } else {
        op = 'server restart';
        await closeAll();
        // Leases and delays are memory only: every message comes back at its place; counts restart.
        for (const it of model) Object.assign(it, { state: 'visible', holder: -1, msg: undefined, deliveries: 0 });
        stale.length = 0;
        server = await createServer({ port: 0, walDir: dir });
        producer = await connect({ uri: server.uri });
        for (let i = 0; i < CONSUMERS; i++) consumers[i] = await connect({ uri: server.uri });
      }
      const kind = op.split(' ')[0]!;
      ops.set(kind, (ops.get(kind) ?? 0) + 1);
      await serverMatches(where(step, op));
    }
    // Finally every message not delayed is handed out in the model's order.
    const expected = model.filter((m) => m.state === 'visible').map((m) => m.name);
    for (const it of model) if (it.state === 'leased') await consumers[it.holder]!.nack(it.msg!);
    const order = model.filter((m) => m.state !== 'delayed').map((m) => m.name);
    const got: string[] = [];
    for (;;) {
      const m = await consumers[0]!.poll('q', { lease: 60_000 });
      if (m.status === 'QUEUE_EMPTY') break;
      got.push(m.text);
      await consumers[0]!.ack(m);
    }
    assert.deepEqual(got, order, `seed ${seed}: final order (visible before: ${expected.join(',')})`);
  } finally {
    await closeAll();
  }
}

test('at-least-once queues follow the reference model through random offers, leases, acks, nacks, expiries, disconnects and restarts', async (t) => {
  const ops = new Map<string, number>();
  for (const seed of SEEDS) {
    const dir = await tempDir(t);
    try {
      await runModel(seed, dir, ops);
    } catch (err) {
      console.error(`model test failed with seed ${seed}`);
      throw err;
    }
  }
  // Every kind of step ran (the test would prove little otherwise).
  assert.deepEqual([...ops.keys()].sort(), ['ack', 'disconnect', 'lease', 'nack', 'offer', 'poll', 'server'], JSON.stringify([...ops]));
});
