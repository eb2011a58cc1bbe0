/**
 * Compression end to end: which messages are compressed on the wire (WIRE §6), that the
 * client adopts the server's cutoff, and hostile compressed payloads (bombs, garbage).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as netCreateServer, connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { createGzip } from 'node:zlib';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { connect, ErrorCode, plainTextMessage, type Server } from '../../src/index.js';
import { FrameDecoder, type RawFrame } from '../../src/protocol/frame-decoder.js';
import { buildFrame, metaText } from '../helpers/frames.js';
import { buildSecureFrame, nextId, SecurePeer, testServer } from '../helpers/secure-peer.js';

/** A TCP proxy in front of `server` that decodes the envelopes passing in each direction. */
async function tap(server: Server): Promise<{ uri: string; c2s: RawFrame[]; s2c: RawFrame[]; close(): Promise<void> }> {
  const c2s: RawFrame[] = [];
  const s2c: RawFrame[] = [];
  const limits = { maxMetaFrame: 1 << 16, maxPayloadFrame: 1 << 26 };
  const sockets = new Set<Socket>();
  const e = server.endpoint;
  if (e.kind !== 'inet') throw new Error('tap needs a TCP server');
  const proxy = netCreateServer((down) => {
    const up = netConnect({ host: e.host, port: e.port });
    sockets.add(down).add(up);
    const dc = new FrameDecoder(limits);
    const du = new FrameDecoder(limits);
    down.on('data', (c: Buffer) => {
      dc.push(c, (f) => c2s.push(f));
      up.write(c);
    });
    up.on('data', (c: Buffer) => {
      du.push(c, (f) => s2c.push(f));
      down.write(c);
    });
    for (const [a, b] of [[down, up], [up, down]] as const) {
      a.on('error', () => undefined);
      a.on('close', () => b.destroy());
    }
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    uri: `af-inet://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    c2s,
    s2c,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => r());
      }),
  };
}

const flags = (f: RawFrame): string => `${f.compressed ? 'z' : '-'}${f.encrypted ? 'e' : '-'}`;

test('cutoff 0: handshake requests and the DH answer go uncompressed, everything else compressed', async () => {
  await using t = await testServer({ encrypt: true, authenticator: await createAuthenticator({ tom: '3,kio' }), compressCutoffSize: 0 });
  const proxy = await tap(t.server);
  try {
    const client = await connect({ uri: proxy.uri, userName: 'tom', password: '3,kio' });
    assert.equal(client.serverConfig.compressCutoffSize, 0);
    assert.equal((await client.send(plainTextMessage('1', 'test', 'hi'))).text, 'hi');
    await client.close();
    // CLIENT_CONFIG, DH, AUTHENTICATION, REQUEST
    assert.deepEqual(proxy.c2s.map(flags), ['--', '--', '-e', 'ze']);
    // config answer compressed, DH answer plaintext+uncompressed, login answer compressed (empty), echo
    assert.deepEqual(proxy.s2c.map(flags), ['z-', '--', 'ze', 'ze']);
  } finally {
    await proxy.close();
  }
});

test('cutoff 1KB: a 1023-byte payload goes raw, a 1024-byte one compressed, both ways', async () => {
  await using t = await testServer({ compressCutoffSize: '1KB' });
  const proxy = await tap(t.server);
  try {
    const client = await connect({ uri: proxy.uri });
    assert.equal(client.serverConfig.compressCutoffSize, 1024);
    for (const n of [1023, 1024, 200_000, 700_000]) {
      const res = await client.send(plainTextMessage('1', 'test', 'x'.repeat(n)));
      assert.equal(res.text.length, n);
    }
    await client.close();
    assert.deepEqual(proxy.c2s.slice(1).map(flags), ['--', 'z-', 'z-', 'z-']);
    assert.deepEqual(proxy.s2c.slice(1).map(flags), ['--', 'z-', 'z-', 'z-']);
    assert.ok((proxy.c2s[3] as RawFrame).payload.length < 2000, 'compressed on the wire');
  } finally {
    await proxy.close();
  }
});

/** GZIP of `total` zero bytes, produced in 1 MiB steps (the input is never held at once). */
async function zeroBomb(total: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => gz.on('end', r));
  const chunk = Buffer.alloc(1 << 20);
  for (let n = 0; n < total; n += chunk.length) {
    if (!gz.write(chunk)) await new Promise((r) => gz.once('drain', r));
  }
  gz.end();
  await done;
  return Buffer.concat(out);
}

test('a gzip bomb closes the connection with DECOMPRESSED_TOO_LARGE and memory stays bounded', async () => {
  const bomb = await zeroBomb(512 << 20); // 512 MiB of zeros in about 500 KB
  assert.ok(bomb.length < 1 << 20);
  await using t = await testServer({ maxMessageSize: '1MB', encrypt: false });
  for (const encrypted of [false, true]) {
    global.gc?.();
    const before = process.memoryUsage();
    const peer = await SecurePeer.open(t.server);
    assert.equal((await peer.clientConfig()).status, 'OK'); // a 500 KB frame is refused before the handshake
    if (encrypted) await peer.exchangeKeys();
    const err = t.nextError();
    peer.write(buildSecureFrame({ meta: metaText({ id: nextId() }), payload: bomb, compressed: 1 }, peer.cipher));
    assert.equal(await err, ErrorCode.DECOMPRESSED_TOO_LARGE);
    await peer.closed();
    const after = process.memoryUsage();
    // The cap (1 MiB) plus one zlib chunk is all inflation may allocate; allow for noise.
    const grew = after.arrayBuffers + after.external - (before.arrayBuffers + before.external);
    assert.ok(grew < 64 << 20, `memory grew by ${grew} bytes`);
    assert.ok(after.rss - before.rss < 128 << 20, `rss grew by ${after.rss - before.rss} bytes`);
  }
  await t.stillServes();
});

test('a compressed flag on bytes that are not GZIP closes the connection with DECOMPRESS_FAILED', async () => {
  await using t = await testServer({ encrypt: false });
  for (const payload of [Buffer.from('definitely not gzip'), Buffer.alloc(4096, 0x1f), Buffer.alloc(0)]) {
    const peer = await SecurePeer.open(t.server);
    const err = t.nextError();
    peer.write(buildFrame({ compressed: 1, payload, meta: metaText({ id: nextId() }) }));
    assert.equal(await err, ErrorCode.DECOMPRESS_FAILED);
    await peer.closed();
  }
  await t.stillServes();
});
