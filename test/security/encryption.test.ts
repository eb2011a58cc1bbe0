/**
 * Encryption end to end: the key exchange, the server's enforcement, and hostile frames.
 * Every hostile case must close only that connection, with a coded error, while the server
 * keeps serving other clients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createDhKeyPair } from '../../src/crypto/dh.js';
import { connect, ErrorCode, plainTextMessage } from '../../src/index.js';
import { buildSecureFrame, nextId, SecurePeer, testServer } from '../helpers/secure-peer.js';
import { metaText } from '../helpers/frames.js';

test('encrypted echo: a client of an encrypting server exchanges keys and talks encrypted', async () => {
  await using t = await testServer({ encrypt: true });
  await using client = await connect({ uri: t.server.uri });
  assert.equal(client.serverConfig.encrypt, true);
  assert.equal(client.encrypted, true);
  const res = await client.send(plainTextMessage('1', 'test', 'hello'));
  assert.equal(res.text, 'hello');
  assert.equal((await client.serverStatus())['encryption'], true);
  const big = Buffer.alloc(300_000, 7);
  const echoed = await client.send(plainTextMessage('2', 'test', big.toString('latin1')));
  assert.equal(echoed.data.length, big.length);
});

test('a client may ask for encryption from a server that does not require it', async () => {
  await using t = await testServer({ encrypt: false });
  await using enc = await connect({ uri: t.server.uri, encrypt: true });
  await using plain = await connect({ uri: t.server.uri });
  assert.equal(enc.serverConfig.encrypt, false);
  assert.equal(enc.encrypted, true);
  assert.equal(plain.encrypted, false);
  assert.equal((await enc.send(plainTextMessage('1', 'test', 'secret'))).text, 'secret');
  assert.equal((await enc.serverStatus())['encryption'], true);
  assert.equal((await plain.serverStatus())['encryption'], false);
});

test('the DH answer is plaintext and uncompressed, with the request id and topic dh', async () => {
  await using t = await testServer({ encrypt: true, compressCutoffSize: 0 });
  const peer = await SecurePeer.open(t.server);
  const id = nextId();
  peer.send({ type: 50, topics: 'dh', payload: createDhKeyPair().publicKeyBase64, plaintext: true, id });
  const res = await peer.next();
  assert.equal(res.id, id);
  assert.equal(res.status, 'DIFFIE_HELLMAN_ACK');
  assert.deepEqual(res.topics, ['dh']);
  assert.equal(res.requestId, null);
  assert.equal(res.mimetype, 'text/plain');
  assert.equal(res.charset, 'UTF-8');
  assert.equal(res.timeout, 300);
  assert.match(res.text, /^[A-Za-z0-9+/]+=*$/);
  peer.destroy();
});

test('every connection gets a fresh server key pair', async () => {
  await using t = await testServer({ encrypt: true });
  const keys = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const peer = await SecurePeer.open(t.server);
    const { res } = await peer.requestKeyExchange();
    assert.equal(res.status, 'DIFFIE_HELLMAN_ACK');
    keys.add(res.text);
    peer.destroy();
  }
  assert.equal(keys.size, 3);
});

test('a plaintext request to an encrypting server closes the connection with ENCRYPTION_REQUIRED', async () => {
  await using t = await testServer({ encrypt: true });
  const peer = await SecurePeer.open(t.server);
  const err = t.nextError();
  peer.send({ type: 0, payload: 'no key yet', plaintext: true });
  assert.equal(await err, ErrorCode.ENCRYPTION_REQUIRED);
  await peer.closed();
  await t.stillServes();
});

test('CLIENT_CONFIG is answered before the key exchange, a login is not', async () => {
  await using t = await testServer({ encrypt: true });
  const peer = await SecurePeer.open(t.server);
  peer.send({ type: 40, topics: 'client-config', mimetype: 'application/json', payload: '{"ackMode":"NO_ACKNOWLEDGE"}', plaintext: true });
  const config = await peer.next();
  assert.equal(config.status, 'OK');
  assert.equal(config.json<{ encrypt: boolean }>().encrypt, true);
  const err = t.nextError();
  peer.send({ type: 60, topics: 'authentication', payload: 'tom\nsecret', plaintext: true });
  assert.equal(await err, ErrorCode.ENCRYPTION_REQUIRED);
  await peer.closed();
});

test('an unencrypted frame after the exchange closes the connection', async () => {
  await using t = await testServer({ encrypt: false });
  const peer = await SecurePeer.open(t.server);
  await peer.exchangeKeys();
  peer.send({ payload: 'encrypted' });
  assert.equal((await peer.next()).text, 'encrypted');
  const err = t.nextError();
  peer.send({ payload: 'plaintext', plaintext: true });
  assert.equal(await err, ErrorCode.ENCRYPTION_REQUIRED);
  await peer.closed();
  await t.stillServes();
});

for (const [what, tamper] of [
  ['a flipped ciphertext byte of the payload', (b: Buffer) => void (b[b.length - 20] = (b[b.length - 20] as number) ^ 1)],
  ['a flipped tag byte', (b: Buffer) => void (b[b.length - 1] = (b[b.length - 1] as number) ^ 0x80)],
  ['a changed header timestamp (AAD)', (b: Buffer) => void (b[17] = (b[17] as number) ^ 1)],
  ['a changed header timeout (AAD)', (b: Buffer) => void (b[33] = (b[33] as number) ^ 4)],
  ['a flipped meta IV byte', (b: Buffer) => void (b[40] = (b[40] as number) ^ 1)],
] as const) {
  test(`${what} closes the connection with DECRYPT_FAILED`, async () => {
    await using t = await testServer({ encrypt: true });
    const peer = await SecurePeer.open(t.server);
    const cipher = await peer.exchangeKeys();
    const frame = buildSecureFrame({ meta: metaText({ id: nextId() }), payload: Buffer.from('hello world, tamper me') }, cipher);
    tamper(frame);
    const err = t.nextError();
    peer.write(frame);
    assert.equal(await err, ErrorCode.DECRYPT_FAILED);
    await peer.closed();
    await t.stillServes();
  });
}

test('a frame replayed from another connection fails to decrypt (each connection has its own key)', async () => {
  await using t = await testServer({ encrypt: true });
  const a = await SecurePeer.open(t.server);
  const b = await SecurePeer.open(t.server);
  const keyA = await a.exchangeKeys();
  await b.exchangeKeys();
  const frame = buildSecureFrame({ meta: metaText({ id: nextId() }), payload: Buffer.from('transfer 100') }, keyA);
  a.write(frame);
  assert.equal((await a.next()).text, 'transfer 100');
  const err = t.nextError();
  b.write(frame);
  assert.equal(await err, ErrorCode.DECRYPT_FAILED);
  await b.closed();
  // connection a is untouched
  a.send({ payload: 'a still works' });
  assert.equal((await a.next()).text, 'a still works');
  a.destroy();
});

test('a public key of another group, a garbage key and a non-Base64 key get a NAK; no retry', async () => {
  await using t = await testServer({ encrypt: true });
  const modp2 = (generateKeyPairSync as unknown as (t: 'dh', o: { group: string }) => { publicKey: { export(o: object): Buffer } })('dh', {
    group: 'modp2',
  });
  const wrongGroup = modp2.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  for (const key of [wrongGroup, Buffer.from('garbage').toString('base64'), 'not base64 at all!', '']) {
    const peer = await SecurePeer.open(t.server);
    const { res } = await peer.requestKeyExchange(key);
    assert.equal(res.status, 'DIFFIE_HELLMAN_NAK', key.slice(0, 20));
    assert.match(res.text, /^Failed to exchange Diffie-Hellman key! Reason: .+/);
    // the failed attempt counts: a second one is refused
    const again = await peer.requestKeyExchange();
    assert.equal(again.res.status, 'DIFFIE_HELLMAN_NAK');
    assert.equal(again.res.text, 'Error: Diffie-Hellman key already exchanged!');
    // and without a key the connection cannot be used
    const err = t.nextError();
    peer.send({ payload: 'x', plaintext: true });
    assert.equal(await err, ErrorCode.ENCRYPTION_REQUIRED);
    await peer.closed();
  }
  await t.stillServes();
});

test('a second key exchange after a successful one gets a plaintext NAK', async () => {
  await using t = await testServer({ encrypt: true });
  const peer = await SecurePeer.open(t.server);
  await peer.exchangeKeys();
  const pair = createDhKeyPair();
  peer.codec.cipher = undefined; // the NAK comes unencrypted (as Java writes it)
  peer.send({ type: 50, topics: 'dh', payload: pair.publicKeyBase64 });
  const res = await peer.next();
  assert.equal(res.status, 'DIFFIE_HELLMAN_NAK');
  assert.equal(res.text, 'Error: Diffie-Hellman key already exchanged!');
  peer.destroy();
});
