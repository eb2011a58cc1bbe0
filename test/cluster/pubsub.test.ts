import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { plainTextMessage, type Message, type Server } from '../../src/index.js';
import type { PubSubFeature } from '../../src/server/pubsub.js';
import type { ServerCore } from '../../src/server/core.js';
import { startNats, startNodes, waitFor, type NatsProcess, type Nodes } from './nats.js';

let nats: NatsProcess;
let nodes: Nodes;

before(async () => {
  nats = await startNats();
  nodes = await startNodes(3, [nats.url]);
});
after(async () => {
  await nodes?.[Symbol.asyncDispose]();
  await nats?.dispose();
});

function pubsubOf(s: Server): PubSubFeature {
  return (s as unknown as ServerCore).features.get('pubsub') as PubSubFeature;
}

test('a publish on node A reaches the subscribers on A, B and C exactly once each', async () => {
  const [a, b, c, b2] = await Promise.all([nodes.client(0), nodes.client(1), nodes.client(2), nodes.client(1)]);
  const got = new Map<string, string[]>();
  const subscribe = async (name: string, client: typeof a): Promise<void> => {
    got.set(name, []);
    await client.subscribe('news.eu>*', (m: Message) => void got.get(name)?.push(m.text));
  };
  await Promise.all([subscribe('a', a), subscribe('b', b), subscribe('c', c), subscribe('b2', b2)]);
  const N = 50;
  for (let i = 0; i < N; i++) await a.publish(plainTextMessage(String(i), 'news.eu>*', `m${i}`));
  await waitFor(() => [...got.values()].every((l) => l.length >= N), 10_000, 'every subscriber to get every publish');
  // A second publish round through C, then a marker: nothing more than once, nothing lost.
  await c.publish(plainTextMessage('end', 'news.eu>*', 'end'));
  await waitFor(() => [...got.values()].every((l) => l.at(-1) === 'end'), 10_000, 'the marker');
  for (const [name, list] of got) {
    assert.deepEqual(list, [...Array.from({ length: N }, (_, i) => `m${i}`), 'end'], `subscriber ${name}`);
  }
});

test('a node subscribes to a topic in the engine only while one of its clients is subscribed', async () => {
  const b = await nodes.client(1);
  const ps = pubsubOf(nodes.servers[1] as Server);
  const before = ps.bridge === undefined ? -1 : (ps.bridge as unknown as { stats: { topics: number } }).stats.topics;
  await b.subscribe('only-while', () => undefined);
  const during = (ps.bridge as unknown as { stats: { topics: number } }).stats.topics;
  assert.equal(during, before + 1);
  await b.unsubscribe('only-while');
  assert.equal((ps.bridge as unknown as { stats: { topics: number } }).stats.topics, before);
});

test('publishes on a topic nobody else subscribes to are not delivered back to the publisher node twice', async () => {
  const a = await nodes.client(0);
  const got: string[] = [];
  await a.subscribe('self', (m: Message) => void got.push(m.text));
  for (let i = 0; i < 20; i++) await a.publish(plainTextMessage(String(i), 'self', `s${i}`));
  await a.publish(plainTextMessage('end', 'self', 'end'));
  await waitFor(() => got.at(-1) === 'end', 5000, 'the marker');
  // A round trip through the engine: anything looped back would have arrived by now.
  await (nodes.servers[0] as Server).clusterStatus();
  assert.equal(got.length, 21);
  assert.equal(new Set(got).size, 21);
});
