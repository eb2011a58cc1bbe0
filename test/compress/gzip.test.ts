import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import {
  ASYNC_ZLIB_THRESHOLD,
  gunzipCapped,
  gunzipCappedAsync,
  gzip,
  gzipAsync,
  shouldCompress,
  shouldUseAsyncGunzip,
  shouldUseAsyncGzip,
} from '../../src/compress/gzip.js';
import { ErrorCode, isIpcError } from '../../src/errors.js';
import { cryptoVectors, hex } from '../crypto/vectors.js';

const T = { timeout: 20_000 };
const MiB = 1024 * 1024;
const tooLarge = (err: unknown): boolean => isIpcError(err, ErrorCode.DECOMPRESSED_TOO_LARGE);
const failed = (err: unknown): boolean => isIpcError(err, ErrorCode.DECOMPRESS_FAILED);

test('applies the WIRE §6 cutoff rule', T, () => {
  const cases: Array<[number, number, boolean]> = [
    [-1, 0, false],
    [-1, 10 * MiB, false],
    [0, 0, true],
    [0, 1, true],
    [1024, 1023, false],
    [1024, 1024, true],
    [1024, 1025, true],
  ];
  for (const [cutoff, length, expected] of cases) assert.equal(shouldCompress(cutoff, length), expected, `${cutoff}/${length}`);
});

test('inflates the Java GZIP vector and the WIRE §6 example', T, async () => {
  const java = hex(cryptoVectors.gzip.veniceGzipHex);
  assert.deepEqual(gunzipCapped(java, 1024), hex(cryptoVectors.gzip.plainHex));
  assert.deepEqual(await gunzipCappedAsync(java, 1024), hex(cryptoVectors.gzip.plainHex));
  const hello = hex('1f8b08000000000000ffcb48cdc9c9070086a6103605000000');
  assert.equal(hello.length, 25);
  assert.equal(gunzipCapped(hello, 5).toString(), 'hello');
});

test('round-trips through gzip and gzipAsync (RFC 1952 header)', T, async () => {
  const data = Buffer.from('venice '.repeat(10_000));
  for (const z of [gzip(data), await gzipAsync(data)]) {
    assert.deepEqual(z.subarray(0, 3), Buffer.from([0x1f, 0x8b, 0x08]));
    assert.deepEqual(gunzipCapped(z, data.length), data);
  }
  assert.deepEqual(gunzipCapped(gzip(new Uint8Array(0)), 0), Buffer.alloc(0));
});

test('accepts concatenated members, as Java does', T, async () => {
  const two = Buffer.concat([gzip(Buffer.from('hello ')), gzipSync(Buffer.from('world'), { level: 1 })]);
  assert.equal(gunzipCapped(two, 11).toString(), 'hello world');
  assert.equal((await gunzipCappedAsync(two, 11)).toString(), 'hello world');
  assert.throws(() => gunzipCapped(two, 10), tooLarge, 'the cap counts all members');
});

test('the cap is inclusive, and 0 is a valid cap', T, async () => {
  const z = gzip(Buffer.alloc(1000, 1));
  assert.equal(gunzipCapped(z, 1000).length, 1000);
  assert.throws(() => gunzipCapped(z, 999), tooLarge);
  await assert.rejects(gunzipCappedAsync(z, 999), tooLarge);
  assert.throws(() => gunzipCapped(gzip(Buffer.from('x')), 0), tooLarge);
  assert.throws(() => gunzipCapped(z, -1), RangeError);
});

test('rejects a gzip bomb at the cap without inflating it (sync and async)', T, async () => {
  const tenMiB = gzip(Buffer.alloc(10 * MiB));
  assert.ok(tenMiB.length < 20_000);
  assert.throws(() => gunzipCapped(tenMiB, MiB), tooLarge);
  await assert.rejects(gunzipCappedAsync(tenMiB, MiB), tooLarge);
  // 40 members of 10 MiB: 400 MiB if inflated. Memory may only grow by about the cap.
  const bomb = Buffer.concat(Array.from({ length: 40 }, () => tenMiB));
  const before = process.memoryUsage().arrayBuffers;
  const t = performance.now();
  assert.throws(() => gunzipCapped(bomb, MiB), tooLarge);
  await assert.rejects(gunzipCappedAsync(bomb, MiB), tooLarge);
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 64 * MiB, `arrayBuffers grew by ${(grown / MiB).toFixed(1)} MiB`);
  assert.ok(performance.now() - t < 2000, 'inflation stopped early');
});

test('rejects data flagged compressed that is not complete GZIP', T, async () => {
  const good = gzip(Buffer.from('hello world'));
  const corruptCrc = Buffer.from(good);
  corruptCrc[corruptCrc.length - 6]! ^= 0xff;
  const garbage = [
    Buffer.alloc(0),
    Buffer.from('hello'),
    Buffer.from('not gzip at all, but long enough to be read'),
    Buffer.from([0x1f, 0x8b]),
    good.subarray(0, good.length - 4),
    corruptCrc,
    Buffer.concat([good, Buffer.from('trailing garbage')]),
    Buffer.from('789c cb48cdc9c90700062c0215'.replace(' ', ''), 'hex'), // zlib, not gzip
  ];
  for (const [i, data] of garbage.entries()) {
    assert.throws(() => gunzipCapped(data, MiB), failed, `case ${i}`);
    await assert.rejects(gunzipCappedAsync(data, MiB), failed, `case ${i} async`);
  }
});

test('advises the async API from the measured thresholds', T, () => {
  assert.equal(shouldUseAsyncGzip(ASYNC_ZLIB_THRESHOLD - 1), false);
  assert.equal(shouldUseAsyncGzip(ASYNC_ZLIB_THRESHOLD), true);
  assert.equal(shouldUseAsyncGunzip(100, 20 * MiB), false);
  assert.equal(shouldUseAsyncGunzip(20_000, 20 * MiB), true, 'a 20 KB bomb could inflate to 20 MiB');
  assert.equal(shouldUseAsyncGunzip(20_000, 64 * 1024), false, 'the cap bounds the work');
});

test('many concurrent async jobs all complete (limiter queues them)', T, async () => {
  const inputs = Array.from({ length: 50 }, (_, i) => Buffer.from(`payload ${i} `.repeat(2000)));
  const zipped = await Promise.all(inputs.map((d) => gzipAsync(d)));
  const back = await Promise.all(zipped.map((z, i) => gunzipCappedAsync(z, inputs[i]!.length)));
  back.forEach((b, i) => assert.deepEqual(b, inputs[i]));
});
