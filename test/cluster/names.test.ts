import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIpcError } from '../../src/index.js';
import { parseClusterServers, resolveClusterSettings, DEFAULT_CLUSTER_PREFIX, DEFAULT_CLUSTER_REPLICAS } from '../../src/cluster/options.js';
import { ClusterNames, escapeName, unescapeName } from '../../src/cluster/subjects.js';

const TOKEN = /^[A-Za-z0-9_-]+$/;

test('escaped names are single subject tokens and valid stream names, and round-trip', () => {
  for (const name of ['a', 'orders/eu', 'a_b', 'news.eu.*', 'x > y', 'ümlaut', '日本', 'emoji😀', '_5F', 'a/b/c-d']) {
    const e = escapeName(name);
    assert.match(e, TOKEN, name);
    assert.equal(unescapeName(e), name);
  }
});

test('the escaping is injective: names that a naive mapping would merge stay apart', () => {
  const names = ['a/b', 'a_b', 'a_2Fb', 'a.b', 'a_2E', 'a_5F2Fb', '_', '__'];
  const escaped = names.map(escapeName);
  assert.equal(new Set(escaped).size, names.length);
});

test('tokens that are not escaped names are refused by unescape', () => {
  for (const t of ['a_2', 'a_zz', 'a.b', 'a b', '_2f']) assert.equal(unescapeName(t), undefined, t);
});

test('stream and subject names of a queue; queue names Venice refuses throw INVALID_QUEUE_NAME', () => {
  const n = new ClusterNames('vipc');
  assert.equal(n.stream('orders/eu'), 'vipc-q-orders_2Feu');
  assert.equal(n.queueSubject('orders/eu'), 'vipc.q.orders_2Feu');
  assert.equal(n.queueOfStream('vipc-q-orders_2Feu'), 'orders/eu');
  assert.equal(n.queueOfStream('other-q-x'), undefined);
  assert.equal(n.topic('a.b'), 'vipc.t.a_2Eb');
  for (const bad of ['a.b', 'a*', 'x>', '', 'wal', 'x'.repeat(81)]) {
    assert.throws(() => n.stream(bad), (e: unknown) => isIpcError(e, 'VIPC_ERR_INVALID_QUEUE_NAME'), bad);
  }
});

test('cluster options: defaults, server lists, and coded errors for bad values', () => {
  assert.equal(resolveClusterSettings({}), undefined);
  const s = resolveClusterSettings({ cluster: { servers: 'nats://127.0.0.1:4222, nats://127.0.0.1:4223' } });
  assert.ok(s !== undefined);
  assert.deepEqual(s.servers, ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223']);
  assert.equal(s.replicas, DEFAULT_CLUSTER_REPLICAS);
  assert.equal(s.prefix, DEFAULT_CLUSTER_PREFIX);
  assert.match(s.name, /^[A-Za-z0-9_-]{1,64}$/);
  assert.deepEqual(parseClusterServers(['nats://localhost:1']), ['nats://localhost:1']);
  const bad: unknown[] = [
    { servers: '' },
    { servers: 'http://x:1' },
    { servers: [] },
    { servers: 'nats://127.0.0.1:4222', name: 'has space' },
    { servers: 'nats://127.0.0.1:4222', replicas: 0 },
    { servers: 'nats://127.0.0.1:4222', replicas: 6 },
    { servers: 'nats://127.0.0.1:4222', requestTimeout: 10 },
    { servers: 'nats://127.0.0.1:4222', prefix: 'a.b' },
    { servers: 'nats://127.0.0.1:4222', credentials: 42 },
    'nats://127.0.0.1:4222',
  ];
  for (const cluster of bad) {
    assert.throws(() => resolveClusterSettings({ cluster: cluster as never }), (e: unknown) => isIpcError(e, 'VIPC_ERR_INVALID_OPTION'), JSON.stringify(cluster));
  }
});
