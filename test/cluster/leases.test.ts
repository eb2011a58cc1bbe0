/**
 * The lease mapping for the at-least-once queue work (issue 10), on the store itself (the wire
 * requests arrive with that work): leases on one node hide the message from every node until
 * ack; nack, lease end and releaseOwner make it visible again; JetStream counts deliveries.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { plainTextMessage } from '../../src/index.js';
import { openEngine, type Engine } from '../../src/cluster/engine.js';
import type { JsQueueStore } from '../../src/cluster/js-queue.js';
import { parseAckSubject } from '../../src/cluster/js-leases.js';
import { resolveClusterSettings } from '../../src/cluster/options.js';
import { SharedQueues } from '../../src/cluster/shared-queues.js';
import { ClusterNames } from '../../src/cluster/subjects.js';
import { QueueRegistry } from '../../src/server/queue-registry.js';
import { startNats, type NatsProcess } from './nats.js';

let nats: NatsProcess;
const engines: Engine[] = [];

before(async () => {
  nats = await startNats();
});
after(async () => {
  for (const e of engines) await e.close();
  await nats?.dispose();
});

/** Two nodes' handles on one new queue (each with its own engine connection). */
async function twoHandles(name: string): Promise<[JsQueueStore, JsQueueStore]> {
  const out: JsQueueStore[] = [];
  for (const node of ['la', 'lb']) {
    const engine = await openEngine(resolveClusterSettings({ cluster: { servers: nats.url, name: node } })!);
    engines.push(engine);
    out.push(await new SharedQueues(engine, new ClusterNames('vipc'), new QueueRegistry()).create(name, { capacity: 10, type: 'BOUNDED', durable: false }));
  }
  return out as [JsQueueStore, JsQueueStore];
}

function leaseOf(o: Awaited<ReturnType<JsQueueStore['pollLease']>>): { token: string; deliveryCount: number } {
  assert.equal(o.status, 'ok');
  assert.ok('lease' in o && o.lease !== undefined, 'a lease was granted');
  return o.lease;
}

test('parses both forms of the $JS.ACK subject', () => {
  assert.deepEqual(parseAckSubject('$JS.ACK.S.c.3.17.20.1700000000000000000.0'), { delivered: 3, streamSeq: 17 });
  assert.deepEqual(parseAckSubject('$JS.ACK.dom.hash.S.c.2.9.11.1700000000000000000.0.rnd'), { delivered: 2, streamSeq: 9 });
  assert.equal(parseAckSubject('_INBOX.x'), undefined);
});

test('a leased message is invisible to the other node until acked; ack removes it for good', async () => {
  const [a, b] = await twoHandles('lease/ack');
  assert.equal(await a.offer(plainTextMessage('1', 't', 'one'), 0), 'ok');
  const l = leaseOf(await a.pollLease(0, { ms: 10_000, owner: 7 }));
  assert.equal(l.deliveryCount, 1);
  assert.equal(a.leased, 1);
  assert.equal((await b.poll(0)).status, 'empty');
  assert.equal(a.ack(l.token, 8), 'not-held', 'another owner cannot ack');
  assert.equal(a.ack('nope', 7), 'not-held');
  assert.equal(a.ack(l.token, 7), 'ok');
  assert.equal(a.ack(l.token, 7), 'not-held', 'settled');
  assert.equal((await b.poll(300)).status, 'empty');
});

test('nack, the end of a lease and releaseOwner make the message visible on the other node, with the delivery counted', async () => {
  const [a, b] = await twoHandles('lease/nack');
  await a.offer(plainTextMessage('1', 't', 'again'), 0);
  const first = leaseOf(await a.pollLease(0, { ms: 10_000, owner: 1 }));
  assert.equal(a.nack(first.token, 1, 0), 'ok');
  const second = leaseOf(await b.pollLease(2000, { ms: 200, owner: 2 }));
  assert.equal(second.deliveryCount, 2);
  // The 200 ms lease runs out on B: a waiting poll on A gets the message (third delivery).
  const third = leaseOf(await a.pollLease(3000, { ms: 10_000, owner: 3 }));
  assert.equal(third.deliveryCount, 3);
  assert.equal(b.ack(second.token, 2), 'not-held', 'a lease that ran out cannot be acked');
  assert.ok(typeof a.extend(third.token, 3, 20_000) === 'number');
  assert.equal(a.releaseOwner(3), 1);
  const o = await b.poll(2000);
  assert.equal(o.status, 'ok');
  assert.equal(o.status === 'ok' ? o.message.text : '', 'again');
});
