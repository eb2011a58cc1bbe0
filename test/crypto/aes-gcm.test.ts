import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GCM_OVERHEAD, SessionCipher } from '../../src/crypto/aes-gcm.js';
import { deriveSessionKey } from '../../src/crypto/dh.js';
import { ErrorCode, isIpcError } from '../../src/errors.js';
import { cryptoVectors, hex, sessionVectors } from './vectors.js';

const T = { timeout: 10_000 };
const isDecryptFailed = (err: unknown): boolean => isIpcError(err, ErrorCode.DECRYPT_FAILED);

for (const [i, v] of cryptoVectors.dh.entries()) {
  test(`decrypts the Java GCM frames of dh vector ${i} (meta with AAD, payload without)`, T, () => {
    const cipher = new SessionCipher(hex(v.aesKeyHex));
    assert.deepEqual(cipher.decrypt(hex(v.gcm.metaEncryptedHex), hex(v.gcm.aadHex)), hex(v.gcm.metaPlainHex));
    assert.deepEqual(cipher.decrypt(hex(v.gcm.payloadEncryptedHex_noAAD)), hex(v.gcm.payloadPlainHex));
    // Java feeds no AAD when it is empty: an empty AAD must equal none.
    assert.deepEqual(cipher.decrypt(hex(v.gcm.payloadEncryptedHex_noAAD), new Uint8Array(0)), hex(v.gcm.payloadPlainHex));
  });

  test(`re-encrypts the plaintext of dh vector ${i} and decrypts it back`, T, () => {
    const cipher = new SessionCipher(hex(v.aesKeyHex));
    const aad = hex(v.gcm.aadHex);
    const plain = hex(v.gcm.metaPlainHex);
    const frame = cipher.encrypt(plain, aad);
    assert.equal(frame.length, plain.length + GCM_OVERHEAD);
    assert.deepEqual(cipher.decrypt(frame, aad), plain);
  });
}

for (const [name, s] of sessionVectors) {
  test(`decrypts the first encrypted message of the ${name} capture with its header as AAD`, T, () => {
    const cipher = new SessionCipher(hex(s.aesKeyHex));
    const meta = cipher.decrypt(hex(s.frame.metaFrameHex), hex(s.frame.headerHex));
    assert.equal(meta.toString('utf8'), s.frame.meta);
    assert.deepEqual(cipher.decrypt(hex(s.frame.payloadFrameHex)), hex(s.frame.payloadHex));
  });
}

test('decrypts the worked example of WIRE §7.7', T, () => {
  const z = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const cipher = new SessionCipher(deriveSessionKey(z));
  const header = hex('766e00000001000000010000019a8da96192ffffffffffffffff000000000000012c');
  const meta = hex(
    '000102030405060708090a0b' +
      '419f0ad3de3a99e901b54cae15c2da36c831add8d7dcc3159643120e373479376ec6c31c071067d38819f9c60fec6e2533cb81ed98b9d46fcaea1362ca19ec3ab7ce8c910b88cd56ba' +
      '3ee958d1f8143cb87d0d5c75af573929',
  );
  const payload = hex('0c0d0e0f1011121314151617' + '205300d243' + '35a7e26f4743d01343c7c72de0a240d6');
  assert.equal(
    cipher.decrypt(meta, header).toString('utf8'),
    '0\n0\n0\n1\n0\n99\n\n\ntest\ntext/plain\nUTF-8\n0b7e8f3a-1c2d-4e5f-a6b7-c8d9e0f1a2b3',
  );
  assert.equal(cipher.decrypt(payload).toString('utf8'), 'hello');
});

test('uses a fresh IV for every frame and round-trips empty and large plaintexts', T, () => {
  const cipher = new SessionCipher(Buffer.alloc(32, 7));
  const a = cipher.encrypt(Buffer.from('same'));
  const b = cipher.encrypt(Buffer.from('same'));
  assert.notDeepEqual(a.subarray(0, 12), b.subarray(0, 12));
  assert.equal(cipher.decrypt(cipher.encrypt(new Uint8Array(0))).length, 0);
  const big = Buffer.alloc(1 << 20, 0xab);
  assert.deepEqual(cipher.decrypt(cipher.encrypt(big, Buffer.alloc(34, 1)), Buffer.alloc(34, 1)), big);
});

test('rejects tampered ciphertext, tag and IV with DECRYPT_FAILED', T, () => {
  const cipher = new SessionCipher(Buffer.alloc(32, 1));
  const frame = cipher.encrypt(Buffer.from('hello world'), Buffer.alloc(34, 9));
  for (const at of [0, 11, 12, frame.length - 17, frame.length - 16, frame.length - 1]) {
    const bad = Buffer.from(frame);
    bad[at]! ^= 0x01;
    assert.throws(() => cipher.decrypt(bad, Buffer.alloc(34, 9)), isDecryptFailed, `byte ${at}`);
  }
});

test('rejects a tampered, missing or unexpected AAD with DECRYPT_FAILED', T, () => {
  const cipher = new SessionCipher(Buffer.alloc(32, 2));
  const aad = Buffer.alloc(34, 5);
  const frame = cipher.encrypt(Buffer.from('meta'), aad);
  const badAad = Buffer.from(aad);
  badAad[7] = 1;
  assert.throws(() => cipher.decrypt(frame, badAad), isDecryptFailed);
  assert.throws(() => cipher.decrypt(frame), isDecryptFailed);
  const noAad = cipher.encrypt(Buffer.from('payload'));
  assert.throws(() => cipher.decrypt(noAad, aad), isDecryptFailed);
});

test('rejects a frame under the wrong key with DECRYPT_FAILED', T, () => {
  const frame = new SessionCipher(Buffer.alloc(32, 3)).encrypt(Buffer.from('secret'));
  assert.throws(() => new SessionCipher(Buffer.alloc(32, 4)).decrypt(frame), isDecryptFailed);
});

test('rejects frames shorter than IV + tag with DECRYPT_FAILED', T, () => {
  const cipher = new SessionCipher(Buffer.alloc(32, 5));
  for (const n of [0, 1, 12, 27]) assert.throws(() => cipher.decrypt(Buffer.alloc(n)), isDecryptFailed, `${n} bytes`);
  // 28 bytes is a well-formed empty frame, but an all-zero tag does not authenticate.
  assert.throws(() => cipher.decrypt(Buffer.alloc(28)), isDecryptFailed);
});

test('refuses keys that are not 32 bytes', T, () => {
  assert.throws(() => new SessionCipher(Buffer.alloc(16)), (err: unknown) => isIpcError(err, ErrorCode.KEY_EXCHANGE_FAILED));
});

test('IVs are never repeated across many frames and pool refills', () => {
  const cipher = new SessionCipher(Buffer.alloc(32, 9));
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) seen.add(cipher.encrypt(Buffer.from([i & 0xff])).subarray(0, 12).toString('hex'));
  assert.equal(seen.size, 5000);
});

test('keeps its own copy of the key: wiping the caller buffer changes nothing', T, () => {
  const key = Buffer.alloc(32, 6);
  const cipher = new SessionCipher(key);
  const frame = cipher.encrypt(Buffer.from('kept'), Buffer.alloc(34, 2));
  key.fill(0);
  assert.equal(cipher.decrypt(frame, Buffer.alloc(34, 2)).toString(), 'kept');
  // Frames of the wiped caller buffer's key do not authenticate under the copy.
  assert.throws(() => cipher.decrypt(new SessionCipher(key).encrypt(Buffer.from('kept'))), isDecryptFailed);
  // A Uint8Array view into a larger buffer is copied by its own bytes only.
  const backing = new Uint8Array(64).fill(8);
  const view = new SessionCipher(backing.subarray(16, 48));
  assert.equal(new SessionCipher(Buffer.alloc(32, 8)).decrypt(view.encrypt(Buffer.from('v'))).toString(), 'v');
});
