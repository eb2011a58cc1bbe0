/**
 * Secrets: no server file paths in what clients see (answers, the error buffer, queue
 * status), and credentials files that everyone may read are refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthenticator, loadAuthenticator } from '../../src/auth/authenticator.js';
import { connect, ErrorCode, isIpcError, plainTextMessage } from '../../src/index.js';
import { redactPaths } from '../../src/server/redact.js';
import { FaultFs, tempDir } from '../wal/helpers.js';
import { walEnv } from '../durable/helpers.js';
import { testServer } from '../helpers/secure-peer.js';

test('redactPaths removes absolute paths and keeps topics and queue names', () => {
  assert.equal(redactPaths("injected writev failure on /tmp/vipc-x/wal/q.wal"), 'injected writev failure on <path>');
  assert.equal(redactPaths("ENOSPC: no space left on device, open '/var/lib/venice/q.wal'"), "ENOSPC: no space left on device, open '<path>'");
  assert.equal(redactPaths('(/a/b) x=/c/d'), '(<path>) x=<path>');
  for (const keep of ['queue/8f0e-11', 'news/today', 'ipc-server/status', 'Offer rejected! The queue is full.', 'a / b']) {
    assert.equal(redactPaths(keep), keep);
  }
});

test('a failing durable write answers without the server file path, also in ipc-server/error and queue status', async (t) => {
  const dir = await tempDir(t);
  const fs = new FaultFs();
  await using env = await walEnv(dir, { walFileSystem: fs });
  await env.server.createQueue('q', { capacity: 10, durable: true });
  const c = await env.client();
  fs.failOn('writev', 1, { pathIncludes: 'q.wal' });
  const res = await c.offer('q', plainTextMessage('1', 't', 'x', { durable: true }), { timeout: 0 });
  assert.equal(res.status, 'HANDLER_ERROR');
  assert.match(res.text, /WalError: Offer rejected! Writing the write-ahead log of the durable queue q failed: Cannot append to <path> at offset \d+: injected writev failure on <path>/);
  assert.ok(!res.text.includes(dir), res.text);
  const later = await c.offer('q', plainTextMessage('2', 't', 'x', { durable: true }), { timeout: 0 });
  assert.ok(!later.text.includes(dir), later.text);
  const status = JSON.stringify(await c.queueStatus('q'));
  assert.ok(!status.includes(dir), status);
  // the server itself still knows where (its own API is not a client answer)
  assert.ok((env.server.queueStatus('q').walError ?? '').includes(dir));
});

test('a handler error naming a path is answered without it', async () => {
  await using t = await testServer({
    handler: () => {
      throw new Error("EACCES: permission denied, open '/etc/venice/secret.key'");
    },
  });
  await using c = await connect({ uri: t.server.uri });
  const res = await c.send(plainTextMessage('1', 't', 'x'));
  assert.equal(res.status, 'HANDLER_ERROR');
  assert.equal(res.text, "Failed to handle request of type REQUEST!\nError: EACCES: permission denied, open '<path>'");
  const err = await c.send(plainTextMessage('2', 'ipc-server/error', ''));
  assert.ok(!err.text.includes('/etc/venice'), err.text);
});

test('a world-readable credentials file is refused unless allowed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vipc-cred-'));
  try {
    const file = join(dir, 'ipc.cred');
    await (await createAuthenticator({ tom: '3,kio' })).store(file); // 0600
    assert.equal((await loadAuthenticator(file)).size, 1);
    await chmod(file, 0o644);
    await assert.rejects(loadAuthenticator(file), (e: unknown) => {
      assert.ok(isIpcError(e, ErrorCode.CREDENTIALS_FILE));
      assert.match(e.message, /readable by everyone \(mode 644\)/);
      assert.ok(!e.message.includes('3,kio'));
      return true;
    });
    assert.equal((await loadAuthenticator(file, { allowWorldReadable: true })).size, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
