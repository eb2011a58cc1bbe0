import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  hashPassword,
  hashPasswordWithSalt,
  isPasswordHash,
  passwordHashFormat,
  STRONG_PASSWORD_ITERATIONS,
  verifyPassword,
} from '../../src/crypto/password.js';
import { ErrorCode, isIpcError } from '../../src/errors.js';
import { cryptoVectors } from './vectors.js';

const T = { timeout: 20_000 };
const VENICE = /^[0-9a-f]{64}:[0-9]{7}$/;
const STRONG = /^pbkdf2-sha512\$210000\$[0-9a-f]{32}\$[0-9a-f]{64}$/;

test('verifies the Java password-hash vector', T, async () => {
  const { password, encoded } = cryptoVectors.password;
  assert.equal(await verifyPassword(password, encoded), true);
  assert.equal(await verifyPassword(password + ' ', encoded), false);
  assert.equal(await verifyPassword('3,kiO', encoded), false);
  const salt = encoded.split(':')[1]!;
  assert.equal(await hashPasswordWithSalt(password, salt), encoded);
});

test('reproduces the SEMANTICS §8.2 example (3-kio, salt 0012345)', T, async () => {
  assert.equal(
    await hashPasswordWithSalt('3-kio', '0012345'),
    'f13424c037313b9aeb14b809ea4890143e5a4a65a1ad42bf9a3055b62539bbaf:0012345',
  );
});

test('writes the Venice form with a fresh 7-digit salt', T, async () => {
  const a = await hashPassword('pw');
  const b = await hashPassword('pw', { format: 'venice' });
  assert.match(a, VENICE);
  assert.match(b, VENICE);
  assert.notEqual(a, b);
  assert.equal(passwordHashFormat(a), 'venice');
  assert.equal(await verifyPassword('pw', a), true);
  assert.equal(await verifyPassword('pW', a), false);
});

test('round-trips the strong form', T, async () => {
  const stored = await hashPassword('α strong pässword', { format: 'strong' });
  assert.match(stored, STRONG);
  assert.ok(stored.includes(`$${STRONG_PASSWORD_ITERATIONS}$`));
  assert.ok(!stored.includes(':'), 'a Java server must find no salt separator');
  assert.equal(passwordHashFormat(stored), 'strong');
  assert.equal(await verifyPassword('α strong pässword', stored), true);
  assert.equal(await verifyPassword('a strong pässword', stored), false);
});

test('hashes unpaired surrogates as the JDK does (as "?")', T, async () => {
  assert.equal(await hashPasswordWithSalt('a\uD800b', '0000001'), await hashPasswordWithSalt('a?b', '0000001'));
  assert.notEqual(await hashPasswordWithSalt('a\uD83D\uDE00', '0000001'), await hashPasswordWithSalt('a??', '0000001'));
});

test('a malformed stored value verifies false and never throws', T, async () => {
  const good = cryptoVectors.password.encoded;
  const strong = await hashPassword('x', { format: 'strong' });
  const malformed = [
    '',
    ':',
    'plain-text-password',
    good.toUpperCase(),
    good.replace(':', ''),
    good.replace(':', '::'),
    good + '\n',
    ' ' + good,
    good.slice(0, -1),
    good + '0',
    good.slice(1),
    good.replace(/:.*/, ':abcdefg'),
    strong.replace('$210000$', '$0$'),
    strong.replace('$210000$', '$999$'),
    strong.replace('$210000$', '$99999999$'),
    strong.replace('$210000$', '$0210000$'),
    strong.replace('pbkdf2-sha512', 'pbkdf2-sha256'),
    strong.slice(0, -2),
    strong.toUpperCase(),
  ];
  for (const stored of malformed) {
    assert.equal(isPasswordHash(stored), false, JSON.stringify(stored));
    assert.equal(await verifyPassword(cryptoVectors.password.password, stored), false, JSON.stringify(stored));
  }
  assert.equal(await verifyPassword('x', undefined as unknown as string), false);
  assert.equal(await verifyPassword(undefined as unknown as string, good), false);
});

test('rejects an unknown format with INVALID_OPTION', T, async () => {
  await assert.rejects(
    hashPassword('pw', { format: 'md5' as unknown as 'venice' }),
    (err: unknown) => isIpcError(err, ErrorCode.INVALID_OPTION),
  );
});
