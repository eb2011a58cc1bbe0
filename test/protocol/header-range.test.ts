/**
 * Header values beyond what this code represents (issue 10): a timestamp or expiry past the
 * largest Date, a timeout past 2^53-1 — 2^63-1 in particular — are refused when decoded: the
 * request is answered BAD_REQUEST naming the field, the connection stays usable, nothing is
 * stored. Frames are built by the test builders, not the production encoder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { connect, createServer, ErrorCode, plainTextMessage } from '../../src/index.js';
import { FrameDecoder, type RawFrame } from '../../src/protocol/frame-decoder.js';
import { HEADER_SIZE, MAX_HEADER_TIME_MS, MAX_HEADER_TIMEOUT_MS, readHeader, writeHeader } from '../../src/protocol/header.js';
import { buildFrame, metaText } from '../helpers/frames.js';
import { rawSocket } from '../helpers/net.js';

const INT64_MAX = 2n ** 63n - 1n;

function headerWith(field: 10 | 18 | 26, v: bigint): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  writeHeader(b, 0, { compressed: false, encrypted: false, timestamp: 1764072000123, expiresAt: -1, timeout: 300 });
  b.writeBigInt64BE(v, field);
  return b;
}

test('readHeader accepts times up to the largest Date and timeouts up to 2^53-1, exactly', () => {
  const t = readHeader(headerWith(10, BigInt(MAX_HEADER_TIME_MS)), 0);
  assert.equal(t.timestamp, MAX_HEADER_TIME_MS);
  assert.equal(t.outOfRange, undefined);
  assert.equal(readHeader(headerWith(18, BigInt(MAX_HEADER_TIME_MS)), 0).expiresAt, MAX_HEADER_TIME_MS);
  const o = readHeader(headerWith(26, BigInt(MAX_HEADER_TIMEOUT_MS)), 0);
  assert.equal(o.timeout, MAX_HEADER_TIMEOUT_MS);
  assert.equal(o.outOfRange, undefined);
  // Negative values are normalised as Java does, never out of range.
  assert.equal(readHeader(headerWith(26, -INT64_MAX - 1n), 0).timeout, -1);
  assert.equal(readHeader(headerWith(18, -INT64_MAX - 1n), 0).expiresAt, -1);
});

test('readHeader flags each field past its range with field and exact value, and neutralises the value', () => {
  const cases: [10 | 18 | 26, bigint, string, (h: ReturnType<typeof readHeader>) => boolean][] = [
    [10, BigInt(MAX_HEADER_TIME_MS) + 1n, 'timestamp 8640000000000001', (h) => h.timestamp === 42],
    [10, INT64_MAX, `timestamp ${INT64_MAX}`, (h) => h.timestamp === 42],
    [18, BigInt(MAX_HEADER_TIME_MS) + 1n, 'expiresAt 8640000000000001', (h) => h.expiresAt === -1],
    [18, INT64_MAX, `expiresAt ${INT64_MAX}`, (h) => h.expiresAt === -1],
    [26, 2n ** 53n, 'timeout 9007199254740992', (h) => h.timeout === -1],
    [26, INT64_MAX, `timeout ${INT64_MAX}`, (h) => h.timeout === -1],
  ];
  for (const [field, v, text, neutral] of cases) {
    const h = readHeader(headerWith(field, v), 0, () => 42);
    assert.ok(h.outOfRange?.includes(text), `${text}: ${h.outOfRange}`);
    assert.ok(neutral(h), `${text}: the field holds its "none" value`);
  }
});

/** Sends `frames` on one raw connection and resolves with the first `n` responses. */
function responses(s: Socket, n: number): Promise<RawFrame[]> {
  const dec = new FrameDecoder({ maxMetaFrame: 65536, maxPayloadFrame: 1 << 20 });
  const got: RawFrame[] = [];
  return new Promise((resolve, reject) => {
    s.on('error', reject);
    s.on('data', (c: Buffer) => {
      dec.push(c, (f) => got.push(f));
      if (got.length >= n) resolve(got);
    });
  });
}

const lines = (f: RawFrame): string[] => f.meta.toString('utf8').split('\n');

/** Metadata of an OFFER (type 20) or POLL (21) for queue `q`; the id decides the response's requestId. */
function queueMeta(type: 20 | 21, id: string): string {
  return metaText({ lines: ['0', '0', '0', '', String(type), '99', 'q', '', type === 20 ? 'offered' : 'queue/poll', 'text/plain', 'UTF-8', id] });
}

test('an OFFER with a 2^63-1 expiry, timestamp or timeout is answered BAD_REQUEST; the connection lives on and nothing was queued', async () => {
  await using server = await createServer({ port: 0 });
  await server.createQueue('q', { capacity: 100 });
  const s = await rawSocket(server);
  try {
    const all = responses(s, 4);
    s.write(buildFrame({ expiresAt: INT64_MAX, meta: queueMeta(20, '00000000-0000-4000-8000-000000000001') }));
    s.write(buildFrame({ timestamp: INT64_MAX, meta: queueMeta(20, '00000000-0000-4000-8000-000000000002') }));
    s.write(buildFrame({ timeout: INT64_MAX, meta: queueMeta(20, '00000000-0000-4000-8000-000000000003') }));
    // The same connection still works: a POLL finds the queue empty (timeout 0: no wait).
    s.write(buildFrame({ timeout: 0n, meta: queueMeta(21, '00000000-0000-4000-8000-000000000004') }));
    const [a, b, c, d] = await all;
    for (const [f, field] of [[a!, 'expiresAt'], [b!, 'timestamp'], [c!, 'timeout']] as const) {
      assert.equal(lines(f)[5], '3', `${field}: BAD_REQUEST`);
      const text = f.payload.toString('utf8');
      assert.ok(text.includes(ErrorCode.HEADER_OUT_OF_RANGE) && text.includes(`${field} ${INT64_MAX}`), text);
    }
    assert.equal(lines(d!)[5], '11', 'QUEUE_EMPTY: no offer was stored');
  } finally {
    s.destroy();
  }
  assert.equal(server.queueStatus('q').size, 0);
  // Other clients are served as before.
  await using c = await connect({ uri: server.uri });
  assert.equal((await c.offer('q', plainTextMessage('1', 'ok', 'fine'))).status, 'OK');
  assert.equal((await c.poll('q')).text, 'fine');
});

test('a message with a value beyond int64 cannot be sent: a coded error, not a RangeError', async () => {
  await using server = await createServer({ port: 0, handler: (m) => m });
  await using c = await connect({ uri: server.uri });
  await assert.rejects(c.send(plainTextMessage('1', 't', 'x').with({ timeout: 2 ** 64 })), (e: Error & { code?: string }) => {
    assert.equal(e.code, ErrorCode.HEADER_OUT_OF_RANGE, String(e));
    return true;
  });
  assert.equal((await c.send(plainTextMessage('2', 't', 'still here'))).text, 'still here');
});
