import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCliServer } from '../helpers/cli.js';

test('serve prints exactly one "listening on" line, send prints the response, SIGINT exits 0', async () => {
  const server = await startCliServer(['--port', '0']);
  try {
    assert.match(server.uri, /^af-inet:\/\/127\.0\.0\.1:\d+$/);
    const r = await runCli(['send', '--uri', server.uri, '--topic', 'greet', '--request-id', '9', '--text', 'hello']);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(res['type'], 'RESPONSE');
    assert.equal(res['status'], 'OK');
    assert.equal(res['topic'], 'greet');
    assert.equal(res['request-id'], '9');
    assert.equal(res['text'], 'hello');
    assert.match(r.stdout, /^\{\n  "type": "RESPONSE",/, 'pretty JSON');
    const j = await runCli(['send', '--uri', server.uri, '--data-json', '{"x":1}']);
    assert.deepEqual((JSON.parse(j.stdout) as Record<string, unknown>)['data'], { x: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'vipc-cli-'));
    try {
      writeFileSync(join(dir, 'f.bin'), Buffer.from([0, 1, 2, 3]));
      const f = await runCli(['send', '--uri', server.uri, '--file', join(dir, 'f.bin'), '--mimetype', 'application/pdf']);
      const body = JSON.parse(f.stdout) as Record<string, unknown>;
      assert.equal(body['mimetype'], 'application/pdf');
      assert.equal(body['data'], 'AAECAw==');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const o = await runCli(['send', '--uri', server.uri, '--text', 'x', '--oneway']);
    assert.equal(o.code, 0);
    assert.equal(o.stdout, '');
  } finally {
    assert.equal(await server.stop(), 0, 'graceful exit on SIGINT');
  }
});

test('send exits non-zero with a one-line reason on an error status or a failure', async () => {
  const server = await startCliServer(['--port', '0', '--handler', 'none']);
  try {
    const r = await runCli(['send', '--uri', server.uri, '--text', 'x']);
    assert.equal(r.code, 1);
    assert.equal((JSON.parse(r.stdout) as Record<string, unknown>)['status'], 'HANDLER_ERROR');
    assert.equal(r.stderr.trim().split('\n').length, 1);
  } finally {
    await server.stop();
  }
  const refused = await runCli(['send', '--uri', server.uri, '--text', 'x']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^venice-ipc send: VIPC_ERR_CONNECT_FAILED: /);
  const usage = await runCli(['send', '--text', 'x', '--data-json', '1']);
  assert.equal(usage.code, 64);
  assert.match(usage.stderr, /exactly one of --text, --data-json, --file/);
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 64);
});

test('serve rejects bad sizes with a coded error and exit 64', async () => {
  const r = await runCli(['serve', '--port', '0', '--max-message-size', '1GB']);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /VIPC_ERR_INVALID_SIZE/);
  assert.equal(r.stdout, '');
});
