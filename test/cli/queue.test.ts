import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, startCliServer } from '../helpers/cli.js';

test('serve --queue pre-creates queues; offer, poll and queue commands work against it', async () => {
  await using server = await startCliServer(['--port', '0', '--queue', 'orders:10', '--queue', 'ring:2:circular']);
  const uri = server.uri;
  const status = await runCli(['queue', 'status', 'ring', '--uri', uri]);
  assert.equal(status.code, 0, status.stderr);
  assert.deepEqual(JSON.parse(status.stdout), { name: 'ring', exists: true, type: 'CIRCULAR', temporary: false, durable: false, capacity: 2, size: 0 });
  const offered = await runCli(['offer', 'orders', '--uri', uri, '--data-json', '{"item":"espresso"}', '--topic', 'order', '--request-id', '7', '--reply-to', 'answers', '--timeout', '100']);
  assert.equal(offered.code, 0, offered.stderr);
  assert.match(offered.stdout, /Offered the message to the queue orders \(durable: false\)\./);
  await runCli(['offer', 'orders', '--uri', uri, '--text', 'second']);
  const polled = await runCli(['poll', 'orders', '--uri', uri, '--count', '5', '--timeout', '50']);
  assert.equal(polled.code, 0, polled.stderr);
  const docs = polled.stdout.split(/\n(?=\{)/).map((s) => JSON.parse(s) as Record<string, unknown>);
  assert.deepEqual(docs.map((d) => [d['request-id'], d['topic']]), [['7', 'order'], [null, 'test']]);
  assert.deepEqual(docs[0]?.['data'], { item: 'espresso' });
  const empty = await runCli(['poll', 'orders', '--uri', uri, '--timeout', '20']);
  assert.equal(empty.code, 2);
  assert.equal(empty.stdout, '');
  const missing = await runCli(['offer', 'nope', '--uri', uri, '--text', 'x']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /QUEUE_NOT_FOUND/);
  assert.equal((await runCli(['queue', 'create', 'extra', '3', '--circular', '--uri', uri])).code, 0);
  assert.equal((await runCli(['queue', 'exists', 'extra', '--uri', uri])).stdout, 'true\n');
  assert.equal((await runCli(['queue', 'remove', 'extra', '--uri', uri])).code, 0);
  assert.equal((await runCli(['queue', 'exists', 'extra', '--uri', uri])).stdout, 'false\n');
  const bad = await runCli(['queue', 'frobnicate', 'x', '--uri', uri]);
  assert.equal(bad.code, 64);
});

test('serve --no-client-queue-mgmt and --max-queues are enforced', async () => {
  await using locked = await startCliServer(['--port', '0', '--no-client-queue-mgmt']);
  const refused = await runCli(['queue', 'create', 'q', '1', '--uri', locked.uri]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /Clients are not permitted to create queues!/);
  await using limited = await startCliServer(['--port', '0', '--max-queues', '1', '--queue', 'a:1']);
  const tooMany = await runCli(['queue', 'create', 'b', '1', '--uri', limited.uri]);
  assert.equal(tooMany.code, 1);
  assert.match(tooMany.stderr, /Too many queues! Reached the limit of 1 queues\./);
  const badSpec = await runCli(['serve', '--port', '0', '--queue', 'nocapacity']);
  assert.equal(badSpec.code, 64);
});
