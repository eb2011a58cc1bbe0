// The CLI's observing commands against a real `serve` child: status, queue list, top, and the
// serve flags --http-port, --verbose, --log-format json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, plainTextMessage } from '../../src/index.js';
import { runCli, startCliServer } from '../helpers/cli.js';
import { until } from '../helpers/net.js';

test('status prints the Venice members and the statistics; --json the extended status', async () => {
  await using srv = await startCliServer(['--port', '0', '--queue', 'jobs:5']);
  const human = await runCli(['status', '--uri', srv.uri]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /Venice status \(ipc-server\/status\):/);
  assert.match(human.stdout, /connection_count: 1/);
  const json = await runCli(['status', '--uri', srv.uri, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const s = JSON.parse(json.stdout) as { venice: Record<string, unknown>; queues: Array<{ name: string }> };
  assert.equal(s.venice['queue-count'], 1);
  assert.deepEqual(s.queues.map((q) => q.name), ['jobs']);
});

test('queue list prints each queue with size and capacity; exit 2 when there is none', async () => {
  await using srv = await startCliServer(['--port', '0', '--queue', 'jobs:5', '--queue', 'ring:3:circular']);
  await using c = await connect({ uri: srv.uri });
  await c.offer('jobs', plainTextMessage('1', 't', 'x'));
  const r = await runCli(['queue', 'list', '--uri', srv.uri]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /^NAME\s+TYPE\s+SIZE\s+CAPACITY$/);
  assert.match(lines[1] ?? '', /^jobs\s+bounded\s+1\s+5$/);
  assert.match(lines[2] ?? '', /^ring\s+circular\s+0\s+3$/);
  const j = await runCli(['queue', 'list', '--uri', srv.uri, '--json']);
  assert.deepEqual((JSON.parse(j.stdout) as Array<{ name: string; size: number }>).map((q) => [q.name, q.size]), [['jobs', 1], ['ring', 0]]);
  await using empty = await startCliServer(['--port', '0']);
  const none = await runCli(['queue', 'list', '--uri', empty.uri]);
  assert.equal(none.code, 2);
});

test('top --count prints bounded frames with rates, queues and topics (NDJSON with --json)', async () => {
  await using srv = await startCliServer(['--port', '0', '--queue', 'jobs:10']);
  await using c = await connect({ uri: srv.uri });
  await c.subscribe('news', () => undefined);
  for (let i = 0; i < 4; i++) await c.offer('jobs', plainTextMessage(String(i), 't', 'x'));
  // Traffic during the frames (paced, bounded), so that the rates are not zero.
  let n = 0;
  const traffic = setInterval(() => void (n++ < 200 && c.send(plainTextMessage(String(n), 'e', 'x')).catch(() => undefined)), 10);
  try {
    const r = await runCli(['top', '--uri', srv.uri, '--interval', '200', '--count', '2', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const frames = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { connections: number; inRate: number; queues: Array<{ name: string; size: number; capacity: number }>; topics: Array<{ topic: string; subscribers: number }> });
    assert.equal(frames.length, 2);
    assert.equal(frames[1]?.connections, 2, 'this client and top itself');
    assert.deepEqual(frames[1]?.queues, [{ name: 'jobs', size: 4, capacity: 10 }]);
    assert.deepEqual(frames[1]?.topics.map((t) => [t.topic, t.subscribers]), [['news', 1]]);
    assert.ok(frames.some((f) => f.inRate > 0), JSON.stringify(frames));
    const text = await runCli(['top', '--uri', srv.uri, '--interval', '100', '--count', '1']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /connections \d+ {3}in [\d.]+ msg\/s {3}out [\d.]+ msg\/s/);
    assert.match(text.stdout, /jobs\s+4\s+10\s+\[########\.+\]/);
    assert.ok(!text.stdout.includes('\x1b['), 'no terminal control codes when stdout is not a terminal');
  } finally {
    clearInterval(traffic);
  }
});

test('serve --http-port serves /metrics; --verbose logs connections and refusals; --log-format json', async () => {
  await using srv = await startCliServer(['--port', '0', '--http-port', '0', '--verbose', '--max-connections', '1']);
  await until(() => /http on (http:\/\/\S+)/.test(srv.stderr()), 5000, 'http line');
  const url = (/http on (http:\/\/\S+)/.exec(srv.stderr()) as RegExpExecArray)[1] as string;
  const m = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  assert.match(m, /^venice_ipc_connections_open 0$/m);
  const c = await connect({ uri: srv.uri });
  await assert.rejects(connect({ uri: srv.uri, handshakeTimeout: 2000 }), 'the second connection is refused');
  await c.close();
  await until(() => /connection closed id=1/.test(srv.stderr()), 5000, 'close logged');
  const log = srv.stderr();
  assert.match(log, /INFO {2}connection open id=1 remote=127\.0\.0\.1:\d+/);
  assert.match(log, /WARN {2}connection refused remote=127\.0\.0\.1:\d+ reason=max-connections/);
  assert.match(log, /INFO {2}connection closed id=1 remote=127\.0\.0\.1:\d+ principal=anon/);

  await using j = await startCliServer(['--port', '0', '--log-format', 'json', '--log-level', 'info']);
  const c2 = await connect({ uri: j.uri });
  await c2.close();
  await until(() => j.stderr().includes('"connection closed"'), 5000, 'json close logged');
  const lines = j.stderr().trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string; remote?: string; time: number });
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [[30, 'connection open'], [30, 'connection closed']]);
  assert.equal(typeof lines[0]?.time, 'number');
  const bad = await runCli(['serve', '--port', '0', '--log-format', 'xml']);
  assert.equal(bad.code, 64);
});
