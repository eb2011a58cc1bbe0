import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, plainTextMessage } from '../../src/index.js';
import { runCli, startCliServer } from '../helpers/cli.js';
import { startNats, waitFor } from './nats.js';

test('serve --cluster runs a node on the engine: a queue given with --queue is shared with a second node', async () => {
  const nats = await startNats();
  try {
    await using a = await startCliServer(['--port', '0', '--cluster', nats.url, '--cluster-name', 'cli-a', '--queue', 'cli/jobs:5']);
    await using b = await startCliServer(['--port', '0', '--cluster', `${nats.url},${nats.url}`]);
    // Written right after the "listening on" line.
    await waitFor(() => /cluster node cli-a on nats:\/\/127\.0\.0\.1:\d+/.test(a.stderr()), 5000, 'the cluster line');
    const ca = await connect({ uri: a.uri });
    const cb = await connect({ uri: b.uri });
    try {
      assert.equal((await ca.offer('cli/jobs', plainTextMessage('1', 't', 'via a'))).status, 'OK');
      assert.equal((await cb.poll('cli/jobs')).text, 'via a');
    } finally {
      await ca.close();
      await cb.close();
    }
  } finally {
    await nats.dispose();
  }
});

test('serve --cluster with a bad URL or --cluster-name alone is a usage error', async () => {
  const bad = await runCli(['serve', '--port', '0', '--cluster', 'http://127.0.0.1:1']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /VIPC_ERR_INVALID_OPTION|not a nats:\/\/host:port URL/);
  const alone = await runCli(['serve', '--port', '0', '--cluster-name', 'x']);
  assert.notEqual(alone.code, 0);
  assert.match(alone.stderr, /--cluster-name needs --cluster/);
});
