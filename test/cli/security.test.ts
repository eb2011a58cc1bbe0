import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAuthenticator } from '../../src/index.js';
import { runCli, startCliServer } from '../helpers/cli.js';

function tempDir(): { dir: string } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), 'vipc-cli-sec-'));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

const envWithout = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env = { ...process.env, ...extra };
  if (extra['VENICE_IPC_PASSWORD'] === undefined) delete env['VENICE_IPC_PASSWORD'];
  return env;
};

test('credentials add reads the password from stdin, writes a Venice file and updates it', async () => {
  using tmp = tempDir();
  const file = join(tmp.dir, 'ipc.cred');
  const a = await runCli(['credentials', 'add', file, 'tom'], { input: '3,kio\n' });
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, `added user 'tom' in ${file}\n`);
  const b = await runCli(['credentials', 'add', file, 'ap', '--strong'], { input: 'zu*67\r\nignored\n' });
  assert.equal(b.code, 0, b.stderr);
  const c = await runCli(['credentials', 'add', file, 'tom'], { input: 'new-pw' }); // no line end
  assert.equal(c.stdout, `updated user 'tom' in ${file}\n`);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^#IPC user credentials\n#.+\nap=pbkdf2-sha512\$210000\$[0-9a-f]{32}\$[0-9a-f]{64}\ntom=[0-9a-f]{64}\\:[0-9]{7}\n$/);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const auth = await loadAuthenticator(file);
  assert.equal(await auth.verify('tom', 'new-pw'), true);
  assert.equal(await auth.verify('tom', '3,kio'), false);
  assert.equal(await auth.verify('ap', 'zu*67'), true);
});

test('credentials add: usage errors and bad passwords', async () => {
  using tmp = tempDir();
  const file = join(tmp.dir, 'ipc.cred');
  assert.equal((await runCli(['credentials', 'add', file])).code, 64);
  assert.equal((await runCli(['credentials', 'remove', file, 'x'])).code, 64);
  assert.equal((await runCli(['credentials', 'add', file, 'tom'], { input: '' })).code, 64);
  const blank = await runCli(['credentials', 'add', file, 'tom'], { input: '   \n' });
  assert.equal(blank.code, 1);
  assert.match(blank.stderr, /VIPC_ERR_INVALID_CREDENTIALS/);
});

test('serve --encrypt --credentials: send logs in with --password, --password-env or VENICE_IPC_PASSWORD', async () => {
  using tmp = tempDir();
  const file = join(tmp.dir, 'ipc.cred');
  assert.equal((await runCli(['credentials', 'add', file, 'tom'], { input: 'secret pw\n' })).code, 0);
  const refused = await runCli(['serve', '--port', '0', '--credentials', file]);
  assert.equal(refused.code, 64, 'a bad combination of flags is a usage error');
  assert.match(refused.stderr, /Please enable encryption with an active authenticator/);
  const server = await startCliServer(['--port', '0', '--encrypt', '--credentials', file]);
  try {
    const send = (args: string[], env = envWithout()): ReturnType<typeof runCli> =>
      runCli(['send', '--uri', server.uri, '--text', 'hello', ...args], { env });
    const ok = await send(['--user', 'tom', '--password', 'secret pw']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as Record<string, unknown>)['text'], 'hello');
    const fromEnv = await send(['--user', 'tom', '--password-env', 'MY_PW'], envWithout({ MY_PW: 'secret pw' }));
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const fromDefaultEnv = await send(['--user', 'tom'], envWithout({ VENICE_IPC_PASSWORD: 'secret pw' }));
    assert.equal(fromDefaultEnv.code, 0, fromDefaultEnv.stderr);
    const wrong = await send(['--user', 'tom', '--password', 'nope']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /VIPC_ERR_AUTH_FAILED: Authentication failure! Bad user credentials!/);
    const none = await send([]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /VIPC_ERR_AUTH_REQUIRED/);
    // the queue commands take the same flags
    const exists = await runCli(['queue', 'exists', 'nothere', '--uri', server.uri, '--user', 'tom', '--password-env', 'MY_PW'], {
      env: envWithout({ MY_PW: 'secret pw' }),
    });
    assert.equal(exists.code, 2, exists.stderr); // not found
    assert.equal(exists.stdout, 'false\n');
    const denied = await runCli(['queue', 'exists', 'nothere', '--uri', server.uri], { env: envWithout() });
    assert.match(denied.stderr, /VIPC_ERR_AUTH_REQUIRED/);
    // usage errors
    assert.equal((await send(['--password', 'x'])).code, 64);
    assert.equal((await send(['--user', 'tom'])).code, 64);
    assert.equal((await send(['--user', 'tom', '--password-env', 'UNSET_VAR_XYZ'])).code, 64);
    assert.equal((await send(['--user', 'tom', '--password', 'a', '--password-env', 'B'])).code, 64);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

test('serve --compress-cutoff-size and send --encrypt: the status shows both', async () => {
  const server = await startCliServer(['--port', '0', '--compress-cutoff-size', '1KB']);
  try {
    const r = await runCli(['send', '--uri', server.uri, '--encrypt', '--topic', 'ipc-server/status', '--text', 'x']);
    assert.equal(r.code, 0, r.stderr);
    const status = (JSON.parse(r.stdout) as { data: Record<string, unknown> })['data'];
    assert.equal(status['encryption'], true);
    assert.equal(status['compression-cutoff-size'], 1024);
    const big = await runCli(['send', '--uri', server.uri, '--text', 'y'.repeat(5000)]);
    assert.equal((JSON.parse(big.stdout) as Record<string, unknown>)['text'], 'y'.repeat(5000));
  } finally {
    assert.equal(await server.stop(), 0);
  }
});
