import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  createDhKeyPair,
  createDhKeyPairAsync,
  deriveSessionKey,
  deriveSessionKeyAsync,
  dhKeyPairFromPrivateKey,
  MODP14_PRIME,
  parseDhPublicKey,
  sessionKeyPassphrase,
} from '../../src/crypto/dh.js';
import { ErrorCode, isIpcError } from '../../src/errors.js';
import { b64, spki } from './der-builder.js';
import { cryptoVectors, hex, modPow, sessionVectors } from './vectors.js';

const T = { timeout: 20_000 };
const P = MODP14_PRIME;
const big = (h: string): bigint => BigInt('0x' + h);
const isKeyExchangeFailed = (err: unknown): boolean => isIpcError(err, ErrorCode.KEY_EXCHANGE_FAILED);

test('the group-14 prime matches the p of the Java vectors', T, () => {
  assert.equal(P, big(cryptoVectors.dh[0]!.p));
  for (const [, s] of sessionVectors) assert.equal(P, big(s.dhP));
});

for (const [i, v] of cryptoVectors.dh.entries()) {
  test(`dh vector ${i} (${v.comment}): secret, passphrase and AES key match Java`, T, () => {
    const z = modPow(big(v.serverY), big(v.clientX), P);
    const secret = hex(v.secretHex);
    assert.equal(secret.length, 256);
    assert.equal(z, big(v.secretHex));
    assert.equal(z, modPow(big(v.clientY), big(v.serverX), P));
    assert.equal(sessionKeyPassphrase(secret), v.passphrase);
    assert.equal(deriveSessionKey(secret).toString('hex'), v.aesKeyHex);
    // The secret as a minimal big-endian integer (a leading 0x00 dropped) must be padded back.
    const minimal = hex(z.toString(16).padStart(2 * Math.ceil(z.toString(16).length / 2), '0'));
    assert.equal(deriveSessionKey(minimal).toString('hex'), v.aesKeyHex);
  });

  test(`dh vector ${i}: Java-encoded public keys parse to their y`, T, () => {
    assert.equal(parseDhPublicKey(v.clientPublicKeyB64), big(v.clientY));
    assert.equal(parseDhPublicKey(v.serverPublicKeyB64), big(v.serverY));
  });
}

test('the first dh vector has a shared secret with a leading 0x00 byte', T, () => {
  assert.equal(cryptoVectors.dh[0]!.secretHex.slice(0, 2), '00');
});

test('derives the WIRE §7.4 test-vector key, sync and async', T, async () => {
  const z = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const key = '3548db05f2c265a4f9ec83d074a90a23fc9a4a0d8f9bf74e022bcf372289daf3';
  assert.equal(sessionKeyPassphrase(z).length, 344);
  assert.ok(sessionKeyPassphrase(z).startsWith('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd'));
  assert.equal(deriveSessionKey(z).toString('hex'), key);
  assert.equal((await deriveSessionKeyAsync(z)).toString('hex'), key);
  assert.throws(() => deriveSessionKey(Buffer.alloc(257, 1)), isKeyExchangeFailed);
});

for (const [name, s] of sessionVectors) {
  test(`reproduces the session key of the ${name} capture from the Java private key`, T, async () => {
    const client = dhKeyPairFromPrivateKey(Buffer.from(s.clientPrivateKeyPkcs8B64, 'base64'));
    assert.equal(parseDhPublicKey(client.publicKeyBase64), big(s.clientY));
    assert.equal(parseDhPublicKey(s.clientPublicKeyX509B64), big(s.clientY));
    assert.equal(client.computeSessionKey(s.serverPublicKeyB64).toString('hex'), s.aesKeyHex);
    assert.equal((await client.computeSessionKeyAsync(s.serverPublicKeyB64)).toString('hex'), s.aesKeyHex);
  });
}

test('Node and Node agree on a session key; Node keys are Node-encoded SPKI', T, async () => {
  const a = createDhKeyPair();
  const b = await createDhKeyPairAsync();
  assert.notEqual(a.publicKeyBase64, b.publicKeyBase64);
  const der = Buffer.from(a.publicKeyBase64, 'base64');
  assert.ok(der.length >= 550 && der.length <= 553, `length ${der.length}`);
  assert.deepEqual(der.subarray(4, 8), Buffer.from('30820117', 'hex')); // no privateValueLength
  const ka = a.computeSessionKey(b.publicKeyBase64);
  assert.equal(ka.length, 32);
  assert.deepEqual(ka, b.computeSessionKey(a.publicKeyBase64));
  assert.equal(a.computeSharedSecret(b.publicKeyBase64).length, 256);
});

test('Node agrees with a Java key pair in both directions', T, () => {
  const [, s] = sessionVectors[0]!;
  const java = dhKeyPairFromPrivateKey(Buffer.from(s.clientPrivateKeyPkcs8B64, 'base64'));
  const node = createDhKeyPair();
  // The Java side sees its original Java encoding (with l = 224) as the peer of Node.
  assert.deepEqual(node.computeSessionKey(s.clientPublicKeyX509B64), java.computeSessionKey(node.publicKeyBase64));
  const z = modPow(parseDhPublicKey(node.publicKeyBase64), big(s.clientX), P);
  assert.equal(big(java.computeSharedSecret(node.publicKeyBase64).toString('hex')), z);
});

test('createDhKeyPairAsync does not generate on the calling tick', T, async () => {
  let ticked = false;
  setImmediate(() => {
    ticked = true;
  });
  const pending = createDhKeyPairAsync();
  assert.equal(ticked, false);
  const pair = await pending;
  assert.ok(parseDhPublicKey(pair.publicKeyBase64) > 1n);
});

test('accepts parameters (p, g) and (p, g, l) for any l, as the JDK', T, () => {
  const y = 0x1234567890abcdefn;
  for (const params of [[P, 2n], [P, 2n, 224n], [P, 2n, 0n], [P, 2n, 2048n]]) {
    assert.equal(parseDhPublicKey(b64(spki({ y, params }))), y);
  }
});

const rejected: Array<[string, string]> = [
  ['a wrong prime (group 14 prime + 2)', b64(spki({ y: 5n, params: [P + 2n, 2n] }))],
  ['a smaller prime', b64(spki({ y: 5n, params: [(1n << 1024n) - 105n, 2n] }))],
  ['g = 5', b64(spki({ y: 5n, params: [P, 5n] }))],
  ['g = 2 but a negative p', b64(spki({ y: 5n, params: [P, 2n] })).replace('AP////', '/////w')],
  ['one DH parameter', b64(spki({ y: 5n, params: [P] }))],
  ['four DH parameters', b64(spki({ y: 5n, params: [P, 2n, 224n, 1n] }))],
  ['no DH parameter', b64(spki({ y: 5n, params: [] }))],
  ['y = 0', b64(spki({ y: 0n }))],
  ['y = 1', b64(spki({ y: 1n }))],
  ['y = p - 1', b64(spki({ y: P - 1n }))],
  ['y = p', b64(spki({ y: P }))],
  ['y = p + 5', b64(spki({ y: P + 5n }))],
  ['the X9.42 OID', b64(spki({ y: 5n, oid: Buffer.from('2a8648ce3e0201', 'hex') }))],
  ['the RSA OID', b64(spki({ y: 5n, oid: Buffer.from('2a864886f70d010101', 'hex') }))],
  ['unused bits in the BIT STRING', b64(spki({ y: 5n, unusedBits: 1 }))],
  ['trailing bytes', b64(spki({ y: 5n, trailing: Buffer.from([0]) }))],
  ['a truncated key', b64(spki({ y: P - 5n }).subarray(0, 500))],
  ['a key one byte short', b64(spki({ y: 5n }).subarray(0, -1))],
  ['an empty string', ''],
  ['garbage Base64', '!!!not base64!!!'],
  ['Base64 with a line break', b64(spki({ y: 5n })).replace(/(.{64})/, '$1\n')],
  ['Base64 with a space', ' ' + b64(spki({ y: 5n }))],
  ['Base64 without padding', b64(spki({ y: 5n })).replace(/=+$/, '')],
  ['URL-safe Base64', b64(spki({ y: 5n })).replace(/\//g, '_').replace(/\+/g, '-')],
  ['non-Base64 text that decodes to something', 'MIIB'],
  ['an RSA key', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64')],
  ['a huge text', 'A'.repeat(100_000)],
];

for (const [what, key] of rejected) {
  test(`rejects a peer key with ${what} (KEY_EXCHANGE_FAILED)`, T, () => {
    assert.throws(() => parseDhPublicKey(key), isKeyExchangeFailed);
    assert.throws(() => createDhKeyPair().computeSessionKey(key), isKeyExchangeFailed);
  });
}

test('rejects non-canonical Base64 pad bits', T, () => {
  const good = b64(spki({ y: 5n }));
  assert.ok(good.endsWith('=') || good.endsWith('=='), 'fixture must be padded');
  // Flip the lowest bit of the last data character: same bytes for Node, different text.
  const i = good.search(/=*$/) - 1;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const flipped = good.slice(0, i) + alphabet[alphabet.indexOf(good[i]!) ^ 1]! + good.slice(i + 1);
  assert.deepEqual(Buffer.from(flipped, 'base64'), Buffer.from(good, 'base64'));
  assert.throws(() => parseDhPublicKey(flipped), isKeyExchangeFailed);
});

test('error messages say what is wrong', T, () => {
  assert.throws(() => parseDhPublicKey(b64(spki({ y: 5n, params: [P, 5n] }))), /generator g is not 2/);
  assert.throws(() => parseDhPublicKey(b64(spki({ y: 1n }))), /1 < y < p - 1/);
  assert.throws(() => parseDhPublicKey('a b'), /Base64/);
});

test('dhKeyPairFromPrivateKey refuses non-DH keys', T, () => {
  assert.throws(() => dhKeyPairFromPrivateKey(Buffer.from('3000', 'hex')), isKeyExchangeFailed);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  assert.throws(() => dhKeyPairFromPrivateKey(rsa), isKeyExchangeFailed);
});
