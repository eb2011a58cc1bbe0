/**
 * Review: encryption enforcement and memory while handshake requests are in progress.
 *
 * ServerSession (src/server/session.ts:184-225) parks every message that arrives while an
 * "exclusive" request (CLIENT_CONFIG, DH key exchange, AUTHENTICATION) completes
 * asynchronously in `#held`, and processes them afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAuthenticator, createServer, type Message } from '../../src/index.js';
import { SessionCipher } from '../../src/crypto/aes-gcm.js';
import { createDhKeyPair } from '../../src/crypto/dh.js';
import { FrameDecoder, type RawFrame } from '../../src/protocol/frame-decoder.js';
import { MessageCodec } from '../../src/transport/message-codec.js';
import type { ServerCore } from '../../src/server/core.js';
import { buildFrame, metaText } from '../helpers/frames.js';
import { rawSocket } from '../helpers/net.js';
import { buildSecureFrame, nextId, SecurePeer } from '../helpers/secure-peer.js';

function frame(type: number, topics: string, payload: string | Buffer, cipher?: SessionCipher): Buffer {
  const meta = metaText({ type, topics, id: nextId() });
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return cipher === undefined ? buildFrame({ meta, payload: data }) : buildSecureFrame({ meta, payload: data }, cipher);
}

/*
 * Defect: the encryption gate (src/server/security.ts:136-146) looks at the codec's cipher when
 * a request is *processed*, and the codec checks the encrypted flag when a frame is *decoded*
 * (src/transport/message-codec.ts:121-127). A plaintext frame that arrives right behind the DH
 * request is decoded while no key exists (accepted), held during the key exchange, and
 * processed once the key is installed — so the gate lets it through. Here: a plaintext
 * AUTHENTICATION (the password in clear) is accepted by a server with `encrypt: true`.
 */
test('plaintext request pipelined behind the DH request bypasses the encryption requirement', { timeout: 15_000 }, async () => {
  const auth = await createAuthenticator({ alice: 'secret-pw' });
  await using server = await createServer({ port: 0, encrypt: true, authenticator: auth, handler: (m) => m });
  const socket = await rawSocket(server);
  const frames: RawFrame[] = [];
  let closed = false;
  const dec = new FrameDecoder(new MessageCodec(20 * 1024 * 1024).frameLimits());
  socket.on('data', (c: Buffer) => dec.push(c, (f) => frames.push(f)));
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  try {
    const pair = createDhKeyPair();
    // Both written at once: the DH request, then a login in clear text.
    socket.write(Buffer.concat([frame(50, 'dh', pair.publicKeyBase64), frame(60, 'authentication', 'alice\nsecret-pw')]));
    const deadline = Date.now() + 3000;
    while (frames.length < 1 && Date.now() < deadline) await sleep(10);
    assert.ok(frames.length >= 1, 'DH answer received');
    const codec = new MessageCodec(20 * 1024 * 1024);
    const dh = codec.decode(frames[0]!) as Message;
    assert.equal(dh.status, 'DIFFIE_HELLMAN_ACK');
    codec.cipher = new SessionCipher(pair.computeSessionKey(dh.text));
    await sleep(1000);
    const later = frames.slice(1).map((f) => codec.decode(f) as Message);
    const loginOk = later.find((m) => m.status === 'OK');
    assert.equal(loginOk, undefined, `a plaintext login was answered ${loginOk?.status} on an encrypt-only server (closed: ${closed})`);
  } finally {
    socket.destroy();
  }
});

/*
 * Defect: `#held` (src/server/session.ts:185-188) is unbounded and does not count towards
 * `maxInFlightPerConnection`, so reading never pauses. During a failed login's delay (here
 * 3 s) a peer can stream any amount of data and the server keeps decoding and holding it.
 * With maxInFlightPerConnection 4 and 1 MB requests, the server should stop reading after a
 * handful of MB; it reads all 48 MB.
 */
test('requests held behind a delayed (failed) login are unbounded: reading never pauses', { timeout: 20_000 }, async () => {
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
    // A wrong password: the server delays its answer by 3 s and holds everything behind it.
    peer.send({ type: 60, topics: 'authentication', payload: 'alice\nwrong' });
    const big = Buffer.alloc(1024 * 1024, 7);
    for (let i = 0; i < 48; i++) peer.send({ payload: big });
    await sleep(1500);
    const session = [...(server as unknown as ServerCore).sessions][0]!;
    const read = session.connection.socket.bytesRead;
    assert.ok(read < 16 * 1024 * 1024, `the server read ${(read / 1048576).toFixed(1)} MB while 4 requests at most should be in progress`);
  } finally {
    peer.destroy();
  }
});
