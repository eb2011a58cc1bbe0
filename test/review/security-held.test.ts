/**
 * Review findings, fixed: encryption enforcement and memory while a handshake request is in
 * progress. A connection's requests wait behind an "exclusive" request (CLIENT_CONFIG, key
 * exchange, login); they must be checked by how *their* frames arrived, and they must not
 * pile up without bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthenticator, createServer, ErrorCode, isIpcError, type Message } from '../../src/index.js';
import { SessionCipher } from '../../src/crypto/aes-gcm.js';
import { createDhKeyPair } from '../../src/crypto/dh.js';
import { FrameDecoder, type RawFrame } from '../../src/protocol/frame-decoder.js';
import { MessageCodec } from '../../src/transport/message-codec.js';
import type { ServerCore } from '../../src/server/core.js';
import { buildFrame, metaText } from '../helpers/frames.js';
import { closedWithin, rawSocket, until } from '../helpers/net.js';
import { nextId, SecurePeer } from '../helpers/secure-peer.js';

function plainFrame(type: number, topics: string, payload: string): Buffer {
  return buildFrame({ meta: metaText({ type, topics, id: nextId() }), payload: Buffer.from(payload, 'utf8') });
}

test('a plaintext request pipelined behind the DH request is refused once the key is installed', { timeout: 15_000 }, async () => {
  const auth = await createAuthenticator({ alice: 'secret-pw' });
  const errors: string[] = [];
  await using server = await createServer({
    port: 0,
    encrypt: true,
    authenticator: auth,
    handler: (m) => m,
    onConnectionError: (err) => errors.push(isIpcError(err) ? err.code : err.message),
  });
  const socket = await rawSocket(server);
  const frames: RawFrame[] = [];
  const dec = new FrameDecoder(new MessageCodec(20 * 1024 * 1024).frameLimits());
  socket.on('data', (c: Buffer) => dec.push(c, (f) => frames.push(f)));
  const pair = createDhKeyPair();
  // Both written at once: the DH request, then a login in clear text.
  socket.write(Buffer.concat([plainFrame(50, 'dh', pair.publicKeyBase64), plainFrame(60, 'authentication', 'alice\nsecret-pw')]));
  await closedWithin(socket, 10_000); // the server closes the connection over the plaintext login
  assert.deepEqual(errors, [ErrorCode.ENCRYPTION_REQUIRED]);
  assert.ok(frames.length >= 1, 'the DH answer went out before the close');
  const codec = new MessageCodec(20 * 1024 * 1024);
  const dh = codec.decode(frames[0]!) as Message;
  assert.equal(dh.status, 'DIFFIE_HELLMAN_ACK');
  codec.cipher = new SessionCipher(pair.computeSessionKey(dh.text));
  const later = frames.slice(1).map((f) => codec.decode(f) as Message);
  assert.deepEqual(later, [], 'nothing answered the plaintext login');
});

test('requests held behind a delayed (failed) login stop the server from reading', { timeout: 20_000 }, async () => {
  const auth = await createAuthenticator({ alice: 'secret-pw' });
  await using server = await createServer({
    port: 0,
    encrypt: true,
    authenticator: auth,
    authFailureDelay: 3000,
    maxInFlightPerConnection: 4,
    handler: (m) => m,
  });
  const peer = await SecurePeer.open(server);
  try {
    await peer.exchangeKeys();
    // A wrong password, then 48 MB of requests before any login succeeded. Since the
    // pre-handshake frame limit (docs/security.md) the first 1 MB frame closes the connection
    // (FRAME_TOO_LARGE) as soon as its length is read: the server never reads the rest.
    const session = [...(server as unknown as ServerCore).sessions][0]!;
    peer.send({ type: 60, topics: 'authentication', payload: 'alice\nwrong' });
    const big = Buffer.alloc(1024 * 1024, 7);
    for (let i = 0; i < 48; i++) peer.send({ payload: big });
    await until(() => session.connection.socket.isPaused() || !session.connection.isOpen, 5000, 'the server pauses reading or closes');
    const read = session.connection.socket.bytesRead;
    assert.ok(read < 16 * 1024 * 1024, `the server read ${(read / 1048576).toFixed(1)} MB while the login was pending`);
    await peer.closed(5000);
  } finally {
    peer.destroy();
  }
});
