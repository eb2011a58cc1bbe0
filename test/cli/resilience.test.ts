/** CLI resilience flags: `subscribe` exits 1 with a reason on loss, `subscribe --reconnect` survives it, `send --retries`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, createServer, plainTextMessage } from '../../src/index.js';
import { CLI, runCli } from '../helpers/cli.js';
import { until } from '../helpers/net.js';
import { startProxy } from '../helpers/proxy.js';

function subscriber(args: string[]): { exited: Promise<number | null>; out: () => string; err: () => string; kill: () => void } {
  const child = spawn(process.execPath, [CLI, 'subscribe', ...args]);
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000); // bound every run
  void exited.then(() => clearTimeout(killer));
  return { exited, out: () => out, err: () => err, kill: () => child.kill('SIGKILL') };
}

test('subscribe without --reconnect exits 1 with a one-line reason when the connection is lost', { timeout: 30_000 }, async () => {
  const server = await createServer({ port: 0 });
  const sub = subscriber(['--uri', server.uri, 'news']);
  try {
    await until(() => sub.err().includes('subscribed to'), 10_000, 'subscribed');
    await server.close();
    assert.equal(await sub.exited, 1);
    const lines = sub.err().trim().split('\n');
    assert.equal(lines.length, 2, sub.err());
    assert.match(lines[1] as string, /^venice-ipc subscribe: VIPC_ERR_CONNECTION_CLOSED: The connection was lost/);
  } finally {
    sub.kill();
  }
});

test('subscribe --reconnect keeps receiving after the connection was reset', { timeout: 30_000 }, async () => {
  await using server = await createServer({ port: 0 });
  await using proxy = await startProxy(server.endpoint.kind === 'inet' ? server.endpoint.port : 0);
  const sub = subscriber(['--uri', proxy.uri, 'news', '--reconnect', '--count', '1']);
  try {
    await until(() => sub.err().includes('subscribed to'), 10_000, 'subscribed');
    proxy.reset();
    await until(() => sub.err().includes('reconnected to'), 10_000, 'reconnected');
    await using client = await connect({ uri: server.uri });
    await client.publish(plainTextMessage(null, 'news', 'after the reset'));
    assert.equal(await sub.exited, 0, sub.err());
    assert.equal((JSON.parse(sub.out()) as Record<string, unknown>)['text'], 'after the reset'); // one compact JSON line
    assert.match(sub.err(), /disconnected: VIPC_ERR_CONNECTION_CLOSED/);
  } finally {
    sub.kill();
  }
});

test('send --retries repeats a timed-out request with a request id; the server runs it once', { timeout: 30_000 }, async () => {
  let effects = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await using server = await createServer({
    port: 0,
    idempotencyWindow: 60_000,
    handler: async (m) => {
      if (++effects === 1) await gate;
      return m;
    },
  });
  const run = runCli(['send', '--uri', server.uri, '--text', 'pay', '--timeout', '200', '--retries', '5']);
  await until(() => server.stats.idempotency.duplicates >= 1, 10_000, 'a retry');
  release();
  const r = await run;
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as Record<string, unknown>)['text'], 'pay');
  assert.equal(effects, 1);
  const bad = await runCli(['send', '--uri', server.uri, '--text', 'x', '--retries', '-1']);
  assert.notEqual(bad.code, 0);
});
