import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { openWriteAheadLog } from '../../src/wal/index.js';
import { slowCrc32, tempDir } from './helpers.js';

/** A record built by hand from docs/wal.md: marker, type, flags, length, CRC(header 0..7 + body), body. */
function record(type: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.from([0xf7, 0x57, type, flags, 0, 0, 0, 0, 0, 0, 0, 0]);
  h.writeUInt32BE(body.length, 4);
  h.writeUInt32BE(slowCrc32(Buffer.concat([h.subarray(0, 8), body])), 8);
  return Buffer.concat([h, body]);
}

function idField(id: string): Buffer {
  const b = Buffer.from(id, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

test('a log file is byte for byte as docs/wal.md describes', async (t) => {
  const dir = await tempDir(t);
  const { wal } = await openWriteAheadLog(dir);
  const log = await wal.createQueueLog('a/b', 10, { compress: true });
  await log.appendData('id-1', 1234567890123, Buffer.from('hello'));
  await log.appendAck('id-1');
  await wal.close();
  const file = await readFile(join(dir, 'a$b.wal'));

  const fileHeader = Buffer.concat([Buffer.from([0x89, 0x56, 0x57, 0x41, 0x4c, 0x0d, 0x0a, 0x1a, 0, 1, 0, 0]), Buffer.alloc(4)]);
  fileHeader.writeUInt32BE(slowCrc32(fileHeader.subarray(0, 12)), 12);
  const expires = Buffer.alloc(8);
  expires.writeBigInt64BE(1234567890123n);
  const expected = Buffer.concat([
    fileHeader,
    record(1, 0, Buffer.from([0, 0, 0, 10, 1, 0, 0, 0])),
    record(2, 0, Buffer.concat([expires, idField('id-1'), Buffer.from('hello')])),
    record(3, 0, idField('id-1')),
  ]);
  assert.deepEqual(file, expected);
});

test('DATA payloads at or above compressMinBytes are stored GZIP-compressed when the log compresses', async (t) => {
  const dir = await tempDir(t);
  const { wal } = await openWriteAheadLog(dir, { compressMinBytes: 300 });
  const log = await wal.createQueueLog('z', 5, { compress: true });
  await log.appendData('small', -1, Buffer.alloc(299, 0x41));
  await log.appendData('big', -1, Buffer.alloc(300, 0x41));
  await wal.close();
  const file = await readFile(join(dir, 'z.wal'));
  let off = 16 + 20; // header + CONFIG
  const flags: number[] = [];
  const bodies: Buffer[] = [];
  while (off < file.length) {
    const len = file.readUInt32BE(off + 4);
    flags.push(file[off + 3]!);
    bodies.push(file.subarray(off + 12, off + 12 + len));
    off += 12 + len;
  }
  assert.deepEqual(flags, [0, 1]);
  const big = bodies[1]!;
  const idLen = big.readUInt16BE(8);
  assert.deepEqual(gunzipSync(big.subarray(10 + idLen)), Buffer.alloc(300, 0x41));
});
