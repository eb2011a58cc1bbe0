import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, type RawFrame } from '../../src/protocol/frame-decoder.js';
import { COALESCE_LIMIT, encodeFrames } from '../../src/protocol/frame-encoder.js';
import { HEADER_SIZE, readHeader, writeHeader, type Header } from '../../src/protocol/header.js';

const header = (v: number): Header => ({ compressed: false, encrypted: true, timestamp: v, expiresAt: v, timeout: v });

test('header int64 fields are written exactly like writeBigInt64BE', () => {
  const values = [1, -1, 0, 300, 1764072000123, 2 ** 31, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1)];
  for (const v of values) {
    const b = Buffer.alloc(HEADER_SIZE);
    writeHeader(b, 0, header(v));
    for (const off of [10, 18, 26]) assert.equal(b.readBigInt64BE(off), BigInt(v), `value ${v} at ${off}`);
  }
});

test('header int64 fields are read like Number(readBigInt64BE) within their range', () => {
  const b = Buffer.alloc(HEADER_SIZE);
  writeHeader(b, 0, header(1));
  // Beyond 8.64e15 (times) or 2^53-1 (timeouts) a header is out of range: test/protocol/header-range.test.ts.
  for (const big of [1764072000123n, 2n ** 32n, 2n ** 52n + 1n, 8640000000000000n]) {
    b.writeBigInt64BE(big, 10);
    b.writeBigInt64BE(big, 18);
    b.writeBigInt64BE(big, 26);
    const h = readHeader(b, 0);
    assert.equal(h.timestamp, Number(big));
    assert.equal(h.expiresAt, Number(big));
    assert.equal(h.timeout, Number(big));
  }
  b.writeBigInt64BE(-(2n ** 40n), 18);
  assert.equal(readHeader(b, 0).expiresAt, -1);
});

test('encodeFrames copies small payloads into one buffer and hands larger ones over uncopied', () => {
  const meta = Buffer.from('meta');
  const small = Buffer.alloc(COALESCE_LIMIT, 7);
  const one = encodeFrames(header(5), meta, small);
  assert.equal(one.length, 1);
  const large = Buffer.alloc(COALESCE_LIMIT + 1, 9);
  const two = encodeFrames(header(5), meta, large);
  assert.equal(two.length, 2);
  assert.equal(two[1]!.buffer, large.buffer, 'the payload is the caller buffer');
  assert.equal(two[1]!.byteOffset, large.byteOffset);
  // Both layouts decode to the same fields.
  for (const [bufs, payload] of [
    [one, small],
    [two, large],
  ] as const) {
    const frames: RawFrame[] = [];
    new FrameDecoder({ maxMetaFrame: 1024, maxPayloadFrame: 1 << 20 }).push(Buffer.concat(bufs), (f) => frames.push(f));
    assert.equal(frames.length, 1);
    const f = frames[0]!;
    assert.deepEqual(
      { compressed: f.compressed, encrypted: f.encrypted, timestamp: f.timestamp, expiresAt: f.expiresAt, timeout: f.timeout },
      header(5),
    );
    assert.equal(f.meta.toString(), 'meta');
    assert.ok(f.payload.equals(payload));
    assert.equal(f.headerBytes.length, HEADER_SIZE);
  }
});

test('a large payload that spans chunks is assembled once, exactly, from chunks of any size', () => {
  const meta = Buffer.from('meta');
  const payload = Buffer.alloc(300_000);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;
  const wire = Buffer.concat(encodeFrames(header(3), meta, payload));
  for (const step of [1, 7, 4096, 65536, 100_000]) {
    const frames: RawFrame[] = [];
    const d = new FrameDecoder({ maxMetaFrame: 1024, maxPayloadFrame: 1 << 20 });
    for (let off = 0; off < wire.length; off += step) {
      // Fresh chunks, like the socket's (each its own exact buffer)
      d.push(Buffer.from(wire.subarray(off, off + step)), (f) => frames.push(f));
      if (frames.length === 0) assert.equal(d.bufferedBytes <= Math.min(off + step, wire.length), true);
    }
    assert.equal(frames.length, 1, `step ${step}`);
    assert.ok(frames[0]!.payload.equals(payload), `step ${step}`);
    assert.equal(frames[0]!.payload.length, payload.length);
    assert.equal(d.midMessage, false);
  }
});

test('a partial large payload holds about the bytes received, not the chunks they came in', () => {
  const meta = Buffer.from('meta');
  const wire = Buffer.concat(encodeFrames(header(3), meta, Buffer.alloc(200_000, 5)));
  const d = new FrameDecoder({ maxMetaFrame: 1024, maxPayloadFrame: 1 << 20 });
  const frames: RawFrame[] = [];
  // Everything up to the payload, then 100 one-byte views of 64 KiB buffers.
  const payloadStart = wire.length - 200_000;
  d.push(wire.subarray(0, payloadStart), (f) => frames.push(f));
  for (let i = 0; i < 100; i++) {
    const big = Buffer.alloc(65536, 5);
    d.push(big.subarray(0, 1), (f) => frames.push(f));
  }
  assert.equal(d.bufferedBytes, 100);
  assert.equal(d.midMessage, true);
  assert.ok(d.retainedBytes <= 100, `retains ${d.retainedBytes} B for 100 B received`);
  // Views of chunks that are mostly the field are kept as they are (no copy).
  const own = Buffer.alloc(50_000, 5);
  d.push(own, (f) => frames.push(f));
  assert.ok(d.retainedBytes >= 50_000 && d.retainedBytes <= 50_100);
  // The rest completes the message with the right bytes.
  d.push(wire.subarray(payloadStart + 50_100), (f) => frames.push(f));
  assert.equal(frames.length, 1);
  assert.ok(frames[0]!.payload.equals(Buffer.alloc(200_000, 5)));
  assert.equal(d.retainedBytes, 0);
});

test('a large field moves to its final buffer once half of it is here, never earlier', () => {
  const payload = Buffer.alloc(100_000);
  for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
  const wire = Buffer.concat(encodeFrames(header(3), Buffer.from('meta'), payload));
  const start = wire.length - payload.length;
  const d = new FrameDecoder({ maxMetaFrame: 1024, maxPayloadFrame: 1 << 20 });
  const frames: RawFrame[] = [];
  d.push(Buffer.from(wire.subarray(0, start)), (f) => frames.push(f));
  let off = start;
  for (const step of [20_000, 29_999]) {
    d.push(Buffer.from(wire.subarray(off, off + step)), (f) => frames.push(f));
    off += step;
    assert.ok(d.retainedBytes <= off - start, `${d.retainedBytes} retained for ${off - start} received`);
  }
  d.push(Buffer.from(wire.subarray(off, off + 1)), (f) => frames.push(f)); // 50,000: half
  off += 1;
  assert.equal(d.retainedBytes, payload.length);
  assert.ok(d.retainedBytes <= 2 * (off - start));
  d.push(Buffer.from(wire.subarray(off)), (f) => frames.push(f));
  assert.equal(frames.length, 1);
  assert.ok(frames[0]!.payload.equals(payload));
});
