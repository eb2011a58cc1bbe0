// /metrics, /healthz, /readyz and /status.json of a server with the `http` option, after real
// traffic; the exposition is checked by Prometheus's own parser (promtool check metrics).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, isIpcError, plainTextMessage, type Server } from '../../src/index.js';
import { rawSocket, closedWithin, until } from '../helpers/net.js';

/** Runs `promtool check metrics` on `text`: exit code and output. */
function promtool(text: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics']);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error('promtool timed out'));
    }, 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
    child.stdin.end(text);
  });
}

/** The value of one sample line (`name{labels}` exactly as written), or undefined. */
function value(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

async function get(server: Server, path: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`${server.httpUrl}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

test('/metrics reports real traffic in the Prometheus text format, checked by promtool', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vipc-metrics-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await using server = await createServer({ port: 0, handler: (m) => m, walDir: dir, maxConnections: 2, http: { port: 0 } });
  assert.match(server.httpUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  await using c = await connect({ uri: server.uri });
  await c.createQueue('orders', 50, { durable: true });
  for (let i = 0; i < 5; i++) assert.ok((await c.offer('orders', plainTextMessage(String(i), 'o', `order ${i}`, { durable: true }))).responseOk);
  assert.ok((await c.poll('orders')).responseOk);
  for (let i = 0; i < 3; i++) await c.send(plainTextMessage(String(i), 'echo', 'hello'));
  await using s = await connect({ uri: server.uri });
  const sub = await s.subscribe('news');
  for (let i = 0; i < 4; i++) await c.publish(plainTextMessage(String(i), 'news', 'n'));
  let got = 0;
  for await (const _m of sub) if (++got === 4) break;
  // A third connection is refused (maxConnections 2); a garbage frame closes a connection with a code.
  const refused = await rawSocket(server);
  await closedWithin(refused);
  await until(() => server.stats.connectionsRefused === 1, 3000, 'refusal counted');
  await s.close();
  await until(() => server.connectionCount === 1, 3000, 'subscriber gone');
  const bad = await rawSocket(server);
  bad.write(Buffer.alloc(64, 0xff));
  await closedWithin(bad);
  await until(() => server.stats.connectionErrors.size > 0, 3000, 'connection error counted');

  const m = await get(server, '/metrics');
  assert.equal(m.status, 200);
  assert.match(m.type, /^text\/plain; version=0\.0\.4/);
  const check = await promtool(m.body);
  assert.equal(check.code, 0, `promtool check metrics:\n${check.out}`);
  const names = m.body.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  assert.ok(names.every((l) => l.startsWith('venice_ipc_')), 'every name has the venice_ipc_ prefix');

  assert.equal(value(m.body, 'venice_ipc_connections_open'), 1);
  assert.equal(value(m.body, 'venice_ipc_connections_refused_total{reason="max-connections"}'), 1);
  const [code] = [...server.stats.connectionErrors.keys()];
  assert.equal(value(m.body, `venice_ipc_connection_errors_total{code="${code}"}`), 1);
  assert.equal(value(m.body, 'venice_ipc_messages_received_total{type="OFFER"}'), 5);
  assert.equal(value(m.body, 'venice_ipc_messages_sent_total{type="OFFER",status="OK"}'), 5);
  assert.equal(value(m.body, 'venice_ipc_messages_received_total{type="REQUEST"}'), 3);
  assert.equal(value(m.body, 'venice_ipc_message_payload_received_bytes_total{type="REQUEST"}'), 15);
  assert.equal(value(m.body, 'venice_ipc_messages_sent_total{type="REQUEST",status="NULL"}'), 4, 'four pushes');
  assert.equal(value(m.body, 'venice_ipc_request_duration_seconds_count{type="OFFER"}'), 5);
  assert.equal(value(m.body, 'venice_ipc_request_duration_seconds_bucket{type="OFFER",le="+Inf"}'), 5);
  assert.equal(value(m.body, 'venice_ipc_queue_size{queue="orders"}'), 4);
  assert.equal(value(m.body, 'venice_ipc_queue_capacity{queue="orders"}'), 50);
  assert.equal(value(m.body, 'venice_ipc_pubsub_delivered_total'), 4);
  const syncs = value(m.body, 'venice_ipc_wal_sync_duration_seconds_count') ?? 0;
  assert.ok(syncs >= 2, `WAL syncs observed: ${syncs}`);
  assert.equal(value(m.body, 'venice_ipc_wal_records_per_sync_sum'), 6, 'five DATA records and one ACK');
  assert.ok((value(m.body, 'venice_ipc_wire_received_bytes_total') ?? 0) > 0);

  const health = await get(server, '/healthz');
  assert.deepEqual([health.status, health.body], [200, 'ok\n']);
  assert.equal((await get(server, '/readyz')).status, 200);
  const status = await get(server, '/status.json');
  assert.equal(status.status, 200);
  const j = JSON.parse(status.body) as { queues: Array<{ name: string; size: number }>; connections: unknown[]; venice: Record<string, unknown> };
  assert.deepEqual(j.queues.map((q) => [q.name, q.size]), [['orders', 4]]);
  assert.equal(j.connections.length, 1);
  assert.equal(j.venice['connection_count'], 1);
  assert.equal((await get(server, '/nope')).status, 404);
  const post = await fetch(`${server.httpUrl}/metrics`, { method: 'POST', signal: AbortSignal.timeout(5000) });
  assert.equal(post.status, 405);
  await post.body?.cancel();
});

test('the pub/sub families count pushes and drops per topic', async () => {
  await using server = await createServer({ port: 0, publishBufferSize: 1, publishQueueCapacity: 0, http: { port: 0 } });
  await using sub = await connect({ uri: server.uri });
  await using pub = await connect({ uri: server.uri });
  await sub.subscribe('fast', () => undefined);
  // With no budget and no queue, a second copy published before the first is written is dropped.
  await Promise.all([0, 1, 2, 3].map((i) => pub.publish(plainTextMessage(String(i), 'fast', 'x'.repeat(1000)))));
  const m = await get(server, '/metrics');
  const pushes = value(m.body, 'venice_ipc_pubsub_pushes_total{topic="fast"}') ?? -1;
  const drops = value(m.body, 'venice_ipc_pubsub_drops_total{topic="fast"}') ?? -1;
  assert.equal(pushes + drops, 4, `pushes ${pushes} + drops ${drops}`);
  assert.equal(drops, server.stats.publishDiscardedCount);
  assert.equal(value(m.body, 'venice_ipc_pubsub_subscribers{topic="fast"}'), 1);
});

test('an http port in use fails createServer with LISTEN_FAILED and leaves nothing listening', async () => {
  await using first = await createServer({ port: 0, http: { port: 0 } });
  const port = Number(new URL(first.httpUrl as string).port);
  await assert.rejects(createServer({ port: 0, http: { port } }), (err: unknown) => isIpcError(err, 'VIPC_ERR_LISTEN_FAILED'));
});

test('bad http options are coded errors', async () => {
  for (const http of [{ port: -1 }, { port: 1.5 }, { host: 'not a host' }, { sampleInterval: 1 }, { maxEventStreams: 0 }]) {
    await assert.rejects(createServer({ port: 0, http }), (err: unknown) => isIpcError(err, 'VIPC_ERR_INVALID_OPTION'), JSON.stringify(http));
  }
});
