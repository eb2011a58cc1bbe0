import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { connect, createServer, deadLetterOf, plainTextMessage } from '../../src/index.js';

const lines = (s: string): Array<Record<string, unknown>> =>
  s
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('poll --lease: ack on stdin removes the message, nack puts it back (deliveryCount 2), EOF nacks, extend prints the new end', async () => {
  await using server = await createServer({ port: 0 });
  await using client = await connect({ uri: server.uri });
  await client.createQueue('jobs', 10);
  await client.offer('jobs', plainTextMessage(null, 'job', 'one'));

  const nacked = await runCli(['poll', 'jobs', '--uri', server.uri, '--lease', '30000', '--json'], { input: 'extend 60000\nnack\n' });
  assert.equal(nacked.code, 0, nacked.stderr);
  const [first, extended] = lines(nacked.stdout);
  assert.equal(first?.['text'], 'one');
  assert.equal(first?.['deliveryCount'], 1);
  assert.equal(typeof first?.['leaseToken'], 'string');
  assert.equal(typeof extended?.['leaseUntil'], 'number');
  assert.ok((extended?.['leaseUntil'] as number) >= (first?.['leaseUntil'] as number));

  const eof = await runCli(['poll', 'jobs', '--uri', server.uri, '--lease', '30000'], { input: '' });
  assert.equal(eof.code, 0, eof.stderr);
  assert.equal(lines(eof.stdout)[0]?.['deliveryCount'], 2, 'the nacked message came back');
  assert.match(eof.stderr, /nacked/);

  const acked = await runCli(['poll', 'jobs', '--uri', server.uri, '--lease', '30000', '--json'], { input: 'bogus\nack\n' });
  assert.equal(acked.code, 0, acked.stderr);
  assert.equal(lines(acked.stdout)[0]?.['deliveryCount'], 3);
  assert.match(acked.stderr, /ignored 'bogus'/);
  assert.equal((await client.queueStatus('jobs')).size, 0, 'the ack removed it');
  const empty = await runCli(['poll', 'jobs', '--uri', server.uri, '--lease', '1000']);
  assert.equal(empty.code, 2);
});

test('poll --lease --ack auto acks each printed message without stdin', async () => {
  await using server = await createServer({ port: 0 });
  await using client = await connect({ uri: server.uri });
  await client.createQueue('jobs', 10);
  for (const t of ['a', 'b', 'c']) await client.offer('jobs', plainTextMessage(null, 'job', t));
  const r = await runCli(['poll', 'jobs', '--uri', server.uri, '--lease', '30000', '--ack', 'auto', '--count', '5', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout).map((l) => [l['text'], l['deliveryCount']]), [['a', 1], ['b', 1], ['c', 1]]);
  assert.equal((await client.queueStatus('jobs')).size, 0);
});

test('queue dlq lists the dead letters after maxDeliveries; queue replay moves them back', async () => {
  await using server = await createServer({ port: 0 });
  await using client = await connect({ uri: server.uri });
  await client.createQueue('jobs', 10, { maxDeliveries: 1 });
  const none = await runCli(['queue', 'dlq', 'jobs', '--uri', server.uri]);
  assert.equal(none.code, 2, 'no dead-letter queue yet');
  for (const t of ['x', 'y']) {
    await client.offer('jobs', plainTextMessage(null, 'job', t));
    const r = await runCli(['poll', 'jobs', '--uri', server.uri, '--lease', '30000'], { input: 'nack\n' });
    assert.equal(r.code, 0, r.stderr);
  }
  const count = await runCli(['queue', 'dlq', 'jobs', '--uri', server.uri]);
  assert.equal(count.code, 0, count.stderr);
  assert.equal(count.stdout, '2 dead letters in jobs-dlq\n');
  const listed = await runCli(['queue', 'dlq', 'jobs', '--uri', server.uri, '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  const dead = lines(listed.stdout);
  assert.deepEqual(dead.map((d) => [d['reason'], d['deliveryCount'], d['queue'], (d['message'] as Record<string, unknown>)['text']]), [
    ['maxDeliveries', 1, 'jobs', 'x'],
    ['maxDeliveries', 1, 'jobs', 'y'],
  ]);
  assert.equal((await client.queueStatus('jobs-dlq')).size, 2, 'listing keeps them');

  const one = await runCli(['queue', 'replay', 'jobs-dlq', '--to', 'jobs', '--max', '1', '--uri', server.uri]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, 'moved 1 message from jobs-dlq to jobs\n');
  const rest = await runCli(['queue', 'replay', 'jobs-dlq', '--to', 'jobs', '--uri', server.uri, '--json']);
  assert.equal(rest.code, 0, rest.stderr);
  assert.deepEqual(JSON.parse(rest.stdout), { moved: 1 });
  assert.equal((await client.queueStatus('jobs-dlq')).size, 0);
  const back = [await client.poll('jobs'), await client.poll('jobs')];
  assert.deepEqual(back.map((m) => m.text).sort(), ['x', 'y']);
  assert.ok(back.every((m) => deadLetterOf(m) === undefined), 'replayed without the dead-letter topic');
  const missing = await runCli(['queue', 'replay', 'nope-dlq', '--to', 'jobs', '--uri', server.uri]);
  assert.equal(missing.code, 2);
});

test('usage errors of the lease commands exit 64', async () => {
  const bad = [
    ['poll', 'q', '--ack', 'auto'],
    ['poll', 'q', '--lease', '1000', '--ack', 'sometimes'],
    ['poll', 'q', '--lease', '0'],
    ['poll', 'q', '--lease', '1000', '--count', '2'],
    ['queue', 'replay', 'q-dlq'],
    ['queue', 'replay', 'q-dlq', '--to', 'q', '--max', '0'],
    ['queue', 'dlq'],
    ['offer', 'q', '--json', '{"a":1}'],
    ['queue', 'create', 'q', '10', '--max-deliveries', '-1'],
    ['queue', 'create', 'q', '10', '--max-deliveries', 'many'],
    ['queue', 'create', 'q', '10', '--max-bytes', '5 apples'],
    ['queue', 'create', 'q', '10', '--circular', '--durable'],
  ];
  const results = await Promise.all(bad.map((a) => runCli([...a, '--port', '1'])));
  results.forEach((r, i) => assert.equal(r.code, 64, `${bad[i]!.join(' ')}: ${r.stderr}`));
});

test('queue create --max-deliveries, --dead-letter-queue and --max-bytes set the extension limits', async () => {
  await using server = await createServer({ port: 0 });
  await using client = await connect({ uri: server.uri });
  const made = await runCli(['queue', 'create', 'work', '10', '--max-deliveries', '1', '--dead-letter-queue', 'graveyard', '--max-bytes', '1KB', '--uri', server.uri]);
  assert.equal(made.code, 0, made.stderr);
  // max-bytes: 1 KB of payload fits, one byte more answers a full queue.
  await client.offer('work', plainTextMessage(null, 'job', 'a'.repeat(1000)));
  assert.equal((await client.offer('work', plainTextMessage(null, 'job', 'b'.repeat(100)))).status, 'QUEUE_FULL');
  // max-deliveries 1 into the named dead-letter queue.
  const r = await runCli(['poll', 'work', '--uri', server.uri, '--lease', '30000'], { input: 'nack\n' });
  assert.equal(r.code, 0, r.stderr);
  const dlq = await runCli(['queue', 'dlq', 'work', '--dlq', 'graveyard', '--uri', server.uri]);
  assert.equal(dlq.code, 0, dlq.stderr);
  assert.equal(dlq.stdout, '1 dead letter in graveyard\n');
  assert.equal((await client.queueStatus('work')).size, 0);
});
