import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect, createServer, plainTextMessage } from '../../src/index.js';
import { CLI, runCli } from '../helpers/cli.js';

interface Subscriber {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

/** Starts `venice-ipc subscribe ARGS` and resolves once it reports `subscribed to`. */
function startSubscriber(args: string[]): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'subscribe', ...args]);
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((r) => child.on('close', r));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000); // bound every run
    void exited.then(() => clearTimeout(killer));
    const started = setTimeout(() => reject(new Error(`subscribe did not start: ${err}`)), 10_000);
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('subscribed to')) {
        clearTimeout(started);
        resolve({ child, exited, stdout: () => out, stderr: () => err });
      }
    });
    void exited.then((code) => reject(new Error(`subscribe exited with ${code}: ${err}`)));
  });
}

test('CLI subscribe prints each pushed message as one JSON line and stops after --count; publish prints the answer', { timeout: 30_000 }, async () => {
  await using server = await createServer({ port: 0 });
  const sub = await startSubscriber(['--uri', server.uri, 'news', 'sport', '--count', '2']);
  const p1 = await runCli(['publish', 'news', '--uri', server.uri, '--request-id', '7', '--text', 'hello']);
  assert.equal(p1.code, 0, p1.stderr);
  const answer = JSON.parse(p1.stdout) as Record<string, unknown>;
  assert.deepEqual([answer['type'], answer['status'], answer['text'], answer['request-id']], ['RESPONSE', 'OK', 'Message has been enqued to publish.', '7']);
  const p2 = await runCli(['publish', 'sport', '--uri', server.uri, '--data-json', '{"score":[1,0]}']);
  assert.equal(p2.code, 0, p2.stderr);
  assert.equal(await sub.exited, 0, sub.stderr());
  const lines = sub.stdout().split('\n');
  assert.equal(lines.pop(), '', 'every line ends with a newline');
  const printed = lines.map((s) => JSON.parse(s) as Record<string, unknown>);
  assert.equal(printed.length, 2);
  assert.deepEqual([printed[0]!['topic'], printed[0]!['text'], printed[0]!['request-id'], printed[0]!['type']], ['news', 'hello', '7', 'REQUEST']);
  assert.deepEqual(printed[1]!['data'], { score: [1, 0] });
  assert.match(sub.stdout(), /^\{"type":"REQUEST",/, 'compact JSON, one line per message');
});

test('CLI subscribe stops at SIGINT with exit 0 and its subscription is gone', { timeout: 30_000 }, async () => {
  await using server = await createServer({ port: 0 });
  await using client = await connect({ uri: server.uri });
  const sub = await startSubscriber(['--uri', server.uri, 'news']);
  await client.publish(plainTextMessage(null, 'news', 'one'));
  await client.publish(plainTextMessage(null, 'news', 'two'));
  // The pushes were written before the answers; wait until the child printed both.
  while ((sub.stdout().match(/"text"/g) ?? []).length < 2) {
    await new Promise((r) => sub.child.stdout.once('data', r));
  }
  sub.child.kill('SIGINT');
  assert.equal(await sub.exited, 0, sub.stderr());
  assert.equal((await client.serverStatus())['subscription-client-count'], 0);
});

test('CLI subscribe --timeout ends the run; exit 2 when --count was not reached', { timeout: 30_000 }, async () => {
  await using server = await createServer({ port: 0 });
  const short = await startSubscriber(['--uri', server.uri, 'quiet', '--timeout', '200']);
  assert.equal(await short.exited, 0);
  const counted = await startSubscriber(['--uri', server.uri, 'quiet', '--count', '1', '--timeout', '200']);
  assert.equal(await counted.exited, 2);
  assert.match(counted.stderr(), /received 0 of 1 messages/);
});

test('CLI publish and subscribe reject bad command lines with exit 64', { timeout: 30_000 }, async () => {
  for (const args of [
    ['publish', '--text', 'x'],
    ['publish', 'a', 'b', '--text', 'x'],
    ['publish', 'a'],
    ['subscribe'],
    ['subscribe', 'a', '--count', '0'],
  ]) {
    const r = await runCli([...args, '--port', '1']);
    assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /usage: venice-ipc (publish|subscribe)/);
  }
});
