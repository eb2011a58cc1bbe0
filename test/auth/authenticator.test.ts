import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { createAuthenticator, loadAuthenticator, parseAuthenticator } from '../../src/auth/authenticator.js';
import { ErrorCode, isIpcError } from '../../src/errors.js';
import { cryptoVectors } from '../crypto/vectors.js';
import { passwordHashStats } from '../../src/crypto/password.js';

const T = { timeout: 20_000 };
const invalid = (message: string) => (err: unknown) =>
  isIpcError(err, ErrorCode.INVALID_CREDENTIALS) && (err as Error).message === message;
const fileError = (err: unknown): boolean => isIpcError(err, ErrorCode.CREDENTIALS_FILE);

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vipc-auth-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('loads the credentials file written by Venice 1.12.71 and verifies tom', T, async () => {
  const auth = parseAuthenticator(cryptoVectors.password.authenticatorFile);
  assert.equal(auth.active, true);
  assert.equal(auth.size, 1);
  assert.equal(auth.hasUser('tom'), true);
  assert.equal(await auth.verify('tom', '3,kio'), true);
  assert.equal(await auth.verify('tom', '3,kiO'), false);
  assert.equal(await auth.verify('tim', '3,kio'), false);
});

test('enforces the Venice limits with the Java texts', T, async () => {
  const auth = await createAuthenticator();
  await auth.addCredentials('u'.repeat(100), 'p'.repeat(100));
  await assert.rejects(auth.addCredentials('u'.repeat(101), 'pw'), invalid('A user name is limited to 100 characters'));
  await assert.rejects(auth.addCredentials('u', 'p'.repeat(101)), invalid('A password is limited to 100 characters'));
  await assert.rejects(auth.addCredentials('u', ''), invalid("A 'password' must not be blank"));
  await assert.rejects(auth.addCredentials('u', ' \t '), invalid("A 'password' must not be blank"));
  await assert.rejects(auth.addCredentials('a\nb', 'pw'), invalid('A user name must not contain line breaks'));
  await assert.rejects(auth.addCredentials('ab', 'p\rw'), invalid('A password must not contain line breaks'));
  await auth.addCredentials('', 'empty user is allowed');
  assert.equal(await auth.verify('', 'empty user is allowed'), true);
  assert.equal(auth.size, 2);
});

test('adds, replaces, removes and clears users', T, async () => {
  const auth = await createAuthenticator({ alice: 'one', bob: 'two' });
  assert.deepEqual(auth.users(), ['alice', 'bob']);
  await auth.addCredentials('alice', 'three');
  assert.equal(await auth.verify('alice', 'one'), false);
  assert.equal(await auth.verify('alice', 'three'), true);
  assert.equal(auth.removeCredentials('bob'), true);
  assert.equal(auth.removeCredentials('bob'), false);
  assert.equal(auth.hasUser('bob'), false);
  auth.clearCredentials();
  assert.equal(auth.size, 0);
  assert.equal(await auth.verify('alice', 'three'), false);
});

test('an inactive authenticator accepts everyone; loading activates it', T, async () => {
  const auth = await createAuthenticator([['u', 'pw']], { active: false });
  assert.equal(auth.active, false);
  assert.equal(await auth.verify('nobody', 'x'), true);
  auth.loadText(cryptoVectors.password.authenticatorFile);
  assert.equal(auth.active, true);
  assert.equal(auth.hasUser('u'), false, 'loading replaces all credentials');
  assert.equal(await auth.verify('nobody', 'x'), false);
});

test('serializes special user names as Java and reloads them so each can log in', T, async () => {
  const names = ['a b', ' lead', 'k=v:w#x!y', 'back\\slash', 'tab\tuser', 'u-α', ''];
  const auth = await createAuthenticator(names.map((n, i): [string, string] => [n, `pw-${i}`]));
  const text = auth.serialize(new Date(Date.UTC(2026, 10, 25, 11, 30, 7)));
  const lines = text.split('\n');
  assert.equal(lines[0], '#IPC user credentials');
  assert.equal(lines[1], '#Wed Nov 25 11:30:07 UTC 2026');
  assert.equal(lines.length, 2 + names.length + 1);
  assert.equal(lines.at(-1), '');
  assert.ok(text.includes('\na\\ b=') && text.includes('\n\\ lead=') && text.includes('\nk\\=v\\:w\\#x\\!y='));
  assert.ok(text.includes('\nback\\\\slash=') && text.includes('\ntab\\tuser=') && text.includes('\nu-α=') && text.includes('\n='));
  assert.match(text, /\\:[0-9]{7}\n/);
  const again = parseAuthenticator(text);
  for (const [i, n] of names.entries()) assert.equal(await again.verify(n, `pw-${i}`), true, JSON.stringify(n));
});

test('stores atomically to a path (mode 0600, no temp file left) and loads it back', T, async () => {
  await withTempDir(async (dir) => {
    const auth = await createAuthenticator({ tom: '3,kio' }, { format: 'strong' });
    await auth.addCredentials('old', 'venice pw', { format: 'venice' });
    const path = join(dir, 'users.properties');
    await writeFile(path, 'stale=content\n');
    await auth.store(path);
    assert.deepEqual(await readdir(dir), ['users.properties']);
    if (process.platform !== 'win32') assert.equal((await stat(path)).mode & 0o777, 0o600);
    const text = await readFile(path, 'utf8');
    assert.match(text, /^#IPC user credentials\n#\w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}\n/);
    assert.match(text, /\ntom=pbkdf2-sha512\$210000\$[0-9a-f]{32}\$[0-9a-f]{64}\n/);
    const loaded = await loadAuthenticator(path);
    assert.equal(await loaded.verify('tom', '3,kio'), true);
    assert.equal(await loaded.verify('old', 'venice pw'), true);
    assert.equal(loaded.hasUser('stale'), false);
    const fromUrl = await loadAuthenticator(new URL(`file://${path}`));
    assert.equal(fromUrl.size, 2);
  });
});

test('stores to a Writable without ending it and loads from a Readable', T, async () => {
  const auth = await createAuthenticator({ tom: '3,kio' });
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  await auth.store(sink);
  assert.equal(sink.writableEnded, false);
  const loaded = await loadAuthenticator(Readable.from([Buffer.concat(chunks)]));
  assert.equal(await loaded.verify('tom', '3,kio'), true);
});

test('reports unreadable or unparsable files as CREDENTIALS_FILE', T, async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(loadAuthenticator(join(dir, 'missing.properties')), fileError);
    const bad = join(dir, 'bad.properties');
    await writeFile(bad, Buffer.from([0x74, 0x6f, 0x6d, 0x3d, 0xff, 0xfe]));
    await assert.rejects(loadAuthenticator(bad), fileError);
    const auth = await createAuthenticator();
    await assert.rejects(auth.store(join(dir, 'no-such-dir', 'x')), fileError);
  });
  assert.throws(() => parseAuthenticator('tom=\\u12'), fileError);
});

test('a malformed stored hash in a loaded file never verifies', T, async () => {
  const auth = parseAuthenticator('tom=not-a-hash\nann=\n');
  assert.equal(auth.size, 2);
  assert.equal(await auth.verify('tom', 'not-a-hash'), false);
  assert.equal(await auth.verify('ann', ''), false);
});

test('an unknown user costs one hash, like a known one (no timing oracle)', T, async () => {
  const auth = await createAuthenticator({ tom: '3,kio' });
  await auth.verify('warm-up', 'x'); // creates the dummy hash once
  const hashesFor = async (user: string, pw: string): Promise<number> => {
    const before = passwordHashStats.computed;
    await auth.verify(user, pw);
    return passwordHashStats.computed - before;
  };
  assert.equal(await hashesFor('tom', 'wrong'), 1);
  assert.equal(await hashesFor('tom', '3,kio'), 1);
  assert.equal(await hashesFor('nobody', 'wrong'), 1, 'an unknown user still spends one PBKDF2 hash');
});

test('validates its options once, with INVALID_OPTION', T, async () => {
  const badOption = (err: unknown): boolean => isIpcError(err, ErrorCode.INVALID_OPTION);
  await assert.rejects(createAuthenticator({}, { format: 'sha1' as unknown as 'venice' }), badOption);
  await assert.rejects(createAuthenticator({}, { active: 'yes' as unknown as boolean }), badOption);
  const auth = await createAuthenticator();
  await assert.rejects(auth.addCredentials('u', 'pw', { format: 'x' as unknown as 'strong' }), badOption);
});
