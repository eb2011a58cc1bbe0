import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, isIpcError, plainTextMessage, type Client } from '../../src/index.js';
import { buildManagement, buildOffer } from '../../src/client/queues.js';
import type { ClientCore } from '../../src/client/core.js';
import { startNats, startNodes, type NatsProcess, type Nodes } from './nats.js';

let nats: NatsProcess;
let nodes: Nodes;
let a: Client;
let b: Client;
let c: Client;

before(async () => {
  nats = await startNats();
  nodes = await startNodes(3, [nats.url]);
  [a, b, c] = await Promise.all([nodes.client(0), nodes.client(1), nodes.client(2)]);
});
after(async () => {
  await nodes?.[Symbol.asyncDispose]();
  await nats?.dispose();
});

/** Polls `client` until the queue answers empty; returns the texts. */
async function drain(client: Client, queue: string, into: string[]): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    const m = await client.poll(queue);
    if (m.status === 'QUEUE_EMPTY') return;
    assert.equal(m.status, 'OK', m.text);
    into.push(m.text);
  }
}

test('a queue created and filled through A is drained through B and C, every message once', async () => {
  await a.createQueue('jobs/all', 500);
  const N = 200;
  for (let i = 0; i < N; i++) {
    const r = await a.offer('jobs/all', plainTextMessage(String(i), 'job', `j${i}`));
    assert.equal(r.status, 'OK', r.text);
  }
  const fromB: string[] = [];
  const fromC: string[] = [];
  await Promise.all([drain(b, 'jobs/all', fromB), drain(c, 'jobs/all', fromC)]);
  const all = [...fromB, ...fromC];
  assert.equal(all.length, N, `B took ${fromB.length}, C took ${fromC.length}`);
  assert.equal(new Set(all).size, N, 'no message twice');
  assert.ok(fromB.length > 0 && fromC.length > 0, `both nodes polled (B ${fromB.length}, C ${fromC.length})`);
  // FIFO per node: each one's share arrives in offer order.
  for (const part of [fromB, fromC]) {
    const idx = part.map((t) => Number(t.slice(1)));
    assert.deepEqual(idx, [...idx].sort((x, y) => x - y));
  }
});

test('a bounded queue is full at its capacity across nodes: QUEUE_FULL from any node, space again after a poll elsewhere', async () => {
  await b.createQueue('cap3', 3);
  for (const [i, cl] of [a, b, c].entries()) assert.equal((await cl.offer('cap3', plainTextMessage(`f${i}`, 't', `x${i}`))).status, 'OK');
  for (const cl of [a, b, c]) {
    const r = await cl.offer('cap3', plainTextMessage('over', 't', 'over'));
    assert.equal(r.status, 'QUEUE_FULL');
    assert.equal(r.text, 'Offer rejected! The queue is full.');
  }
  // An offer that may wait gets in once another node polls.
  const waiting = a.offer('cap3', plainTextMessage('late', 't', 'late'), { timeout: 5000 });
  assert.equal((await c.poll('cap3')).text, 'x0');
  assert.equal((await waiting).status, 'OK');
  const rest: string[] = [];
  await drain(b, 'cap3', rest);
  assert.deepEqual(rest, ['x1', 'x2', 'late']);
});

test('a circular queue drops the oldest message when full', async () => {
  await a.createQueue('ring', 2, { type: 'circular' });
  for (let i = 0; i < 5; i++) assert.equal((await [a, b, c][i % 3]!.offer('ring', plainTextMessage(String(i), 't', `r${i}`))).status, 'OK');
  const got: string[] = [];
  await drain(c, 'ring', got);
  assert.deepEqual(got, ['r3', 'r4']);
  const st = await b.queueStatus('ring');
  assert.deepEqual([st.exists, st.type, st.capacity, st.durable, st.size], [true, 'CIRCULAR', 2, false, 0]);
});

test('the same OFFER request sent through A and then again through B (a retry) is stored once', async () => {
  await a.createQueue('dedupe', 10);
  const req = buildOffer('dedupe', plainTextMessage('retry', 't', 'once'), null, 0);
  assert.equal((await (a as unknown as ClientCore).request(req)).status, 'OK');
  assert.equal((await (b as unknown as ClientCore).request(req)).status, 'OK');
  assert.equal((await c.offer('dedupe', plainTextMessage('other', 't', 'other'))).status, 'OK');
  const got: string[] = [];
  await drain(c, 'dedupe', got);
  assert.deepEqual(got, ['once', 'other']);
});

test('exists, status and remove answer from the engine on every node', async () => {
  assert.equal(await c.existsQueue('mgmt/q'), false);
  await a.createQueue('mgmt/q', 7, { durable: true });
  await a.offer('mgmt/q', plainTextMessage('1', 't', 'one'));
  for (const cl of [a, b, c]) {
    const st = await cl.queueStatus('mgmt/q');
    assert.deepEqual([st.exists, st.type, st.temporary, st.durable, st.capacity, st.size], [true, 'BOUNDED', false, true, 7, 1]);
  }
  assert.equal(await b.existsQueue('mgmt/q'), true);
  await c.removeQueue('mgmt/q');
  for (const cl of [a, b, c]) assert.equal(await cl.existsQueue('mgmt/q'), false);
  const r = await a.offer('mgmt/q', plainTextMessage('2', 't', 'two'));
  assert.equal(r.status, 'QUEUE_NOT_FOUND');
  // Re-created through another node, it is empty and usable from the node that had the old handle.
  await b.createQueue('mgmt/q', 7);
  assert.equal((await a.offer('mgmt/q', plainTextMessage('3', 't', 'three'))).status, 'OK');
  assert.equal((await c.poll('mgmt/q')).text, 'three');
});

test('queue names that are not valid subjects are mapped without collisions; names Venice refuses get a coded error', async () => {
  // "a/b" and "a_2Fb" would collide under a naive mapping ('/' → '_2F').
  await a.createQueue('a/b', 5);
  await a.createQueue('a_2Fb', 5);
  await b.offer('a/b', plainTextMessage('1', 't', 'slash'));
  await b.offer('a_2Fb', plainTextMessage('2', 't', 'underscore'));
  assert.equal((await c.poll('a_2Fb')).text, 'underscore');
  assert.equal((await c.poll('a/b')).text, 'slash');
  const server = nodes.servers[0]!;
  await assert.rejects(server.createQueue('orders.eu', { capacity: 1 }), (e: unknown) => isIpcError(e, 'VIPC_ERR_INVALID_QUEUE_NAME'));
  await assert.rejects(server.createQueue('x>*', { capacity: 1 }), (e: unknown) => isIpcError(e, 'VIPC_ERR_INVALID_QUEUE_NAME'));
  await assert.rejects(a.createQueue('orders.eu', 1), (e: unknown) => isIpcError(e, 'VIPC_ERR_INVALID_QUEUE_NAME'));
  // Sent anyway (as a Java client might), the node refuses it as Venice does; nothing reaches the engine.
  const raw = buildManagement('CREATE_QUEUE', 'queue/create', JSON.stringify({ name: 'orders.eu', capacity: 1, bounded: true, durable: false }));
  const res = await (b as unknown as ClientCore).request(raw);
  assert.equal(res.status, 'BAD_REQUEST');
  assert.match(res.text, /Invalid queue name/);
});

test('a temporary queue stays on its node; a reply-to offer through another node reaches it', async () => {
  await a.createQueue('rpc', 10);
  const reply = await a.createTemporaryQueue(5);
  assert.equal((await a.offer('rpc', plainTextMessage('req', 't', 'ping'), { replyTo: reply })).status, 'OK');
  const req = await c.poll('rpc');
  assert.equal(req.replyToQueueName, reply);
  const r = await c.offer(req.replyToQueueName!, plainTextMessage('res', 't', 'pong'));
  assert.equal(r.status, 'OK', r.text);
  assert.equal((await a.poll(reply)).text, 'pong');
  // Not a shared queue: the engine has no stream for it, other nodes do not hold it.
  assert.equal(nodes.servers[2]!.existsQueue(reply), false);
  const gone = await c.offer('queue/00000000-0000-4000-8000-000000000000', plainTextMessage('x', 't', 'x'));
  assert.equal(gone.status, 'QUEUE_NOT_FOUND');
});

test('a poll waits across nodes: a message offered through B reaches a poll waiting on A', async () => {
  await c.createQueue('wait', 5);
  const p = a.poll('wait', { timeout: 5000 });
  // The poll is waiting in the engine once A holds the handle and counts it.
  await b.offer('wait', plainTextMessage('w', 't', 'woken'));
  assert.equal((await p).text, 'woken');
  const empty = await b.poll('wait', { timeout: 300 });
  assert.equal(empty.status, 'QUEUE_EMPTY');
});

test('the server API of a node sees queues created through other nodes', async () => {
  await c.createQueue('api/q', 4);
  const server = nodes.servers[0]!;
  await server.createQueue('api/q', { capacity: 4 }); // exists: no-op, handle made
  assert.equal(server.existsQueue('api/q'), true);
  assert.equal(server.queueStatus('api/q').capacity, 4);
  const status = await server.clusterStatus();
  assert.ok(status !== undefined);
  assert.equal(status.node, 'A');
  assert.equal(status.connected, true);
  assert.deepEqual(status.nodes.map((n) => n.node), ['A', 'B', 'C']);
});

test('ipc-server/status keeps exactly the Java keys on a cluster node; the node and cluster are served as ipc-server/cluster', async () => {
  await using embedded = await createServer({ port: 0 });
  const plain = await connect({ uri: embedded.uri });
  try {
    const javaKeys = Object.keys(await plain.serverStatus()).sort();
    assert.deepEqual(Object.keys(await b.serverStatus()).sort(), javaKeys);
    // An embedded server answers the cluster topic as an unknown server topic, as Java does.
    assert.equal((await plain.send(plainTextMessage('1', 'ipc-server/cluster', ''))).status, 'BAD_REQUEST');
  } finally {
    await plain.close();
  }
  const res = await b.send(plainTextMessage('2', 'ipc-server/cluster', ''));
  assert.equal(res.status, 'OK');
  const st = res.json() as { node: string; connected: boolean; nodes: Array<{ node: string; uri: string }> };
  assert.equal(st.node, 'B');
  assert.equal(st.connected, true);
  assert.deepEqual(st.nodes.map((n) => n.node), ['A', 'B', 'C']);
  assert.equal(st.nodes[1]!.uri, nodes.servers[1]!.uri);
});

test('a message above the engine max_payload: the offer fails with a code, the publish reaches local subscribers and is counted', async () => {
  await a.createQueue('big', 2);
  const big = 'x'.repeat(2 * 1024 * 1024); // nats-server's max_payload is 1 MB by default
  const r = await a.offer('big', plainTextMessage('big', 't', big));
  assert.equal(r.status, 'HANDLER_ERROR');
  assert.match(r.text, /\[VIPC_ERR_CLUSTER_ENGINE\]/);
  const got: number[] = [];
  const sub = await a.subscribe('big-topic', (m) => void got.push(m.data.length));
  try {
    assert.equal((await a.publish(plainTextMessage('p', 'big-topic', big))).status, 'OK');
    const deadline = Date.now() + 5000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(got, [big.length]);
    const st = await nodes.servers[0]!.clusterStatus();
    assert.equal(st?.pubsub.notSent, 1);
  } finally {
    await sub.unsubscribe();
  }
});
