import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { connect, createServer, ErrorCode, isIpcError, plainTextMessage, type Server } from '../../src/index.js';
import { FrameDecoder, type RawFrame } from '../../src/protocol/frame-decoder.js';
import { buildFrame, metaText } from '../helpers/frames.js';
import { closedWithin, rawSocket, readAll } from '../helpers/net.js';

interface Harness {
  server: Server;
  /** Resolves with the code of the next connection error. */
  nextError(): Promise<string>;
}

async function harness(maxMessageSize: number | string = '20MB'): Promise<Harness & AsyncDisposable> {
  const waiters: Array<(code: string) => void> = [];
  const server = await createServer({
    port: 0,
    maxMessageSize,
    handler: (m) => m,
    onConnectionError: (err) => waiters.shift()?.(isIpcError(err) ? err.code : `uncoded: ${err.message}`),
  });
  return {
    server,
    nextError: () => new Promise((resolve) => waiters.push(resolve)),
    [Symbol.asyncDispose]: () => server.close(),
  };
}

/** Writes `bytes` on a raw connection and expects the server to close it with `code`. */
async function expectClosed(h: Harness, bytes: Buffer | Buffer[], code: string): Promise<void> {
  const s = await rawSocket(h.server);
  const err = h.nextError();
  for (const b of Array.isArray(bytes) ? bytes : [bytes]) s.write(b);
  assert.equal(await err, code);
  await closedWithin(s);
  // the server keeps serving everyone else
  await using client = await connect({ uri: h.server.uri });
  assert.equal((await client.send(plainTextMessage('1', 't', 'still here'))).text, 'still here');
}

test('bad magic, bad version and flag values other than 0/1 close the connection with a coded error', async () => {
  await using h = await harness();
  await expectClosed(h, buildFrame({ magic: [0x76, 0x6f] }), ErrorCode.BAD_MAGIC);
  await expectClosed(h, buildFrame({ version: 2 }), ErrorCode.BAD_VERSION);
  await expectClosed(h, buildFrame({ compressed: 2 }), ErrorCode.BAD_FLAG);
  await expectClosed(h, buildFrame({ encrypted: -1 }), ErrorCode.BAD_FLAG);
  assert.equal(h.server.stats.connectionErrors.get(ErrorCode.BAD_FLAG), 2);
});

test('random bytes close the connection with a coded error', async () => {
  await using h = await harness();
  const s = await rawSocket(h.server);
  const err = h.nextError();
  s.write(Buffer.concat([Buffer.from([0x00, 0x01]), randomBytes(200)]));
  assert.equal(await err, ErrorCode.BAD_MAGIC);
  await closedWithin(s);
});

test('frame lengths: negative, empty meta, 2^31-1 are rejected when read, before any body is buffered', async () => {
  await using h = await harness('2KB');
  await expectClosed(h, buildFrame({ metaLength: -16 }), ErrorCode.BAD_FRAME_LENGTH);
  await expectClosed(h, buildFrame({ meta: Buffer.alloc(0) }), ErrorCode.BAD_FRAME_LENGTH);
  await expectClosed(h, buildFrame({ payloadLength: -1 }), ErrorCode.BAD_FRAME_LENGTH);
  const before = process.memoryUsage().arrayBuffers;
  // Only the header and the length are sent: the server must decide without waiting for the body.
  await expectClosed(h, buildFrame({ metaLength: 0x7fffffff }).subarray(0, 38), ErrorCode.FRAME_TOO_LARGE);
  const frame = buildFrame({ payloadLength: 0x7fffffff });
  await expectClosed(h, frame.subarray(0, frame.length - 5), ErrorCode.FRAME_TOO_LARGE);
  assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024, 'memory did not grow with the claimed length');
});

test('metadata with 11 or 13 lines, unknown codes and invalid UTF-8 close the connection', async () => {
  await using h = await harness();
  const lines = metaText().split('\n');
  await expectClosed(h, buildFrame({ meta: lines.slice(0, 11).join('\n') }), ErrorCode.BAD_METADATA);
  await expectClosed(h, buildFrame({ meta: [...lines, 'extra'].join('\n') }), ErrorCode.BAD_METADATA);
  await expectClosed(h, buildFrame({ meta: metaText({ type: 77 }) }), ErrorCode.UNKNOWN_TYPE);
  await expectClosed(h, buildFrame({ meta: metaText({ status: 5 }) }), ErrorCode.UNKNOWN_STATUS);
  await expectClosed(h, buildFrame({ meta: metaText({ topics: 'a b' }) }), ErrorCode.BAD_METADATA);
  await expectClosed(h, buildFrame({ meta: Buffer.from([0xff, 0xfe, 0x0a]) }), ErrorCode.BAD_METADATA);
});

test('a compressed flag on garbage and an encrypted flag without a key close the connection', async () => {
  await using h = await harness();
  await expectClosed(h, buildFrame({ compressed: 1, payload: Buffer.from('not gzip') }), ErrorCode.DECOMPRESS_FAILED);
  await expectClosed(h, buildFrame({ encrypted: 1 }), ErrorCode.DECRYPT_FAILED);
});

test('a truncated frame followed by EOF is reported as TRUNCATED', async () => {
  await using h = await harness();
  const s = await rawSocket(h.server);
  const err = h.nextError();
  s.end(buildFrame().subarray(0, 50));
  assert.equal(await err, ErrorCode.TRUNCATED);
});

test('a header split across writes with pauses is still served (Java fails this)', async () => {
  await using h = await harness();
  const s = await rawSocket(h.server);
  const all = readAll(s, 5000);
  const frame = buildFrame({ payload: Buffer.from('split') });
  s.write(frame.subarray(0, 10));
  await delay(100); // a pause between TCP segments is the point of this test
  s.write(frame.subarray(10, 30));
  await delay(100);
  s.write(frame.subarray(30));
  const frames: RawFrame[] = [];
  const dec = new FrameDecoder({ maxMetaFrame: 65536, maxPayloadFrame: 1 << 20 });
  await new Promise<void>((resolve) => {
    s.on('data', (c: Buffer) => {
      dec.push(c, (f) => frames.push(f));
      if (frames.length > 0) resolve();
    });
  });
  s.end();
  await all;
  assert.equal(frames[0]?.payload.toString(), 'split');
});

test('a request just over the maximum gets BAD_REQUEST without closing the connection', async () => {
  await using h = await harness('2KB');
  const s = await rawSocket(h.server);
  const dec = new FrameDecoder({ maxMetaFrame: 65536, maxPayloadFrame: 1 << 20 });
  const got = new Promise<RawFrame>((resolve) => s.on('data', (c: Buffer) => dec.push(c, resolve)));
  s.write(buildFrame({ payload: Buffer.alloc(2049) }));
  const f = await got;
  const text = f.meta.toString('utf8').split('\n');
  assert.equal(text[4], '70');
  assert.equal(text[5], '3', 'BAD_REQUEST');
  assert.equal(f.payload.toString(), 'The message (2049 bytes) is too large! The limit is at 2048 bytes.');
  s.destroy();
});
