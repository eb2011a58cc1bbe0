// The diagnostics_channel channels carry what docs/operations.md says, for real connections,
// requests, failed logins and WAL syncs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  authFailureChannel,
  connect,
  connectionCloseChannel,
  connectionOpenChannel,
  connectionRefusedChannel,
  createAuthenticator,
  createServer,
  plainTextMessage,
  requestEndChannel,
  requestStartChannel,
  walSyncChannel,
  type TypedChannel,
} from '../../src/index.js';
import { closedWithin, rawSocket, until } from '../helpers/net.js';

/** Collects the messages of a channel whose `server` (or `dir`) is ours, until `t` ends. */
function collect<T extends object>(t: { after(fn: () => void): void }, ch: TypedChannel<T>, mine: (m: T) => boolean): T[] {
  const got: T[] = [];
  const fn = (m: T): void => void (mine(m) && got.push(m));
  ch.subscribe(fn);
  t.after(() => ch.unsubscribe(fn));
  return got;
}

test('connection, request, refusal and WAL sync channels describe what happened', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vipc-diag-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await using server = await createServer({ port: 0, walDir: dir, maxConnections: 1, handler: (m) => m });
  const ours = (m: { server: string }): boolean => m.server === server.uri;
  assert.equal(requestStartChannel.hasSubscribers, false, 'nothing listens before the test subscribes');
  const opens = collect(t, connectionOpenChannel, ours);
  const closes = collect(t, connectionCloseChannel, ours);
  const refusals = collect(t, connectionRefusedChannel, ours);
  const starts = collect(t, requestStartChannel, ours);
  const ends = collect(t, requestEndChannel, ours);
  const syncs = collect(t, walSyncChannel, (m) => m.dir === dir);

  const c = await connect({ uri: server.uri });
  await c.createQueue('d', 5, { durable: true });
  assert.ok((await c.offer('d', plainTextMessage('1', 't', 'x', { durable: true }))).responseOk);
  await c.send(plainTextMessage('r1', 'echo', 'hi'));
  const extra = await rawSocket(server);
  await closedWithin(extra);
  await until(() => refusals.length === 1, 3000, 'refusal published');
  await c.close();
  await until(() => closes.length === 1, 3000, 'close published');

  assert.equal(opens.length, 1);
  assert.match(opens[0]?.remote ?? '', /^127\.0\.0\.1:\d+$/);
  assert.deepEqual([closes[0]?.connectionId, closes[0]?.principal, closes[0]?.error], [opens[0]?.connectionId, 'anon', undefined]);
  assert.equal(refusals[0]?.reason, 'max-connections');
  const echo = ends.find((e) => e.type === 'REQUEST');
  assert.equal(echo?.topic, 'echo');
  assert.equal(echo?.status, 'OK');
  assert.ok((echo?.durationMs ?? -1) >= 0);
  assert.ok(starts.some((s) => s.type === 'OFFER' && s.topic === 't'));
  assert.equal(starts.length, ends.length, 'every request that started ended');
  assert.ok(syncs.some((s) => s.queue === 'd' && s.records >= 1 && s.durationMs >= 0), JSON.stringify(syncs));
});

test('a failed login is published without the password', async (t) => {
  await using server = await createServer({ port: 0, encrypt: true, authenticator: await createAuthenticator({ tom: 'right' }), authFailureDelay: 0 });
  const fails = collect(t, authFailureChannel, (m) => m.server === server.uri);
  await assert.rejects(connect({ uri: server.uri, userName: 'tom', password: 'wrong-secret' }));
  await until(() => fails.length === 1, 3000, 'auth failure published');
  assert.equal(fails[0]?.user, 'tom');
  assert.equal(fails[0]?.failures, 1);
  assert.ok(!JSON.stringify(fails[0]).includes('wrong-secret'));
  assert.equal(server.stats.authFailures, 1);
});
