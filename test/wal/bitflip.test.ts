import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, isIpcError } from '../../src/errors.js';
import { openWriteAheadLog, verifyWalDir } from '../../src/wal/index.js';
import { payload, tempDir, uuid } from './helpers.js';

/** DATA 0, 1, 2, 3; returns the file and the byte range of DATA 1 (middle) and DATA 3 (last). */
async function buildLog(dir: string): Promise<{ bytes: Buffer; middle: [number, number]; last: [number, number] }> {
  const { wal } = await openWriteAheadLog(dir);
  const log = await wal.createQueueLog('b', 10);
  const ends: number[] = [log.stats.fileBytes];
  for (let i = 0; i < 4; i++) {
    await log.appendData(uuid(i), -1, payload(i, 30));
    ends.push(log.stats.fileBytes);
  }
  await wal.close();
  return { bytes: await readFile(join(dir, 'b.wal')), middle: [ends[1]!, ends[2]!], last: [ends[3]!, ends[4]!] };
}

function flip(bytes: Buffer, bit: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

test('every single-bit flip in a middle record refuses the open with WAL_CORRUPT naming file and offset', async (t) => {
  const src = await tempDir(t);
  const { bytes, middle } = await buildLog(src);
  const dir = await tempDir(t);
  const path = join(dir, 'b.wal');
  for (let bit = middle[0] * 8; bit < middle[1] * 8; bit++) {
    const image = flip(bytes, bit);
    await writeFile(path, image);
    await assert.rejects(openWriteAheadLog(dir), (e) => {
      assert.ok(isIpcError(e, ErrorCode.WAL_CORRUPT), `bit ${bit}: ${String(e)}`);
      assert.ok(e.message.includes(path) && e.message.includes(`byte offset ${middle[0]}`), e.message);
      return true;
    });
    assert.deepEqual(await readFile(path), image, 'nothing was changed');
  }
});

test('salvage keeps every valid record around a flipped middle record and keeps the original aside', async (t) => {
  const src = await tempDir(t);
  const { bytes, middle } = await buildLog(src);
  for (let bit = middle[0] * 8; bit < middle[1] * 8; bit += 13) {
    const dir = await tempDir(t);
    const image = flip(bytes, bit);
    await writeFile(join(dir, 'b.wal'), image);
    const { wal, queues, report } = await openWriteAheadLog(dir, { salvage: true });
    await wal.close();
    assert.deepEqual(queues[0]!.entries.map((e) => e.id), [uuid(0), uuid(2), uuid(3)], `bit ${bit}`);
    assert.deepEqual(queues[0]!.entries[2]!.payload, payload(3, 30));
    assert.deepEqual(report.files[0]!.salvaged?.damage.map((d) => [d.offset, d.resumeAt]), [[middle[0], middle[1]]]);
    assert.deepEqual(await readFile(join(dir, 'b.wal.corrupt')), image);
    const again = await openWriteAheadLog(dir);
    await again.wal.close();
    assert.equal(again.queues[0]!.entries.length, 3, 'the salvaged log opens cleanly');
  }
});

test('every single-bit flip in the complete last record refuses the open like mid-file damage; verify reports it; salvage keeps the rest', async (t) => {
  const src = await tempDir(t);
  const { bytes, last } = await buildLog(src);
  const dir = await tempDir(t);
  const path = join(dir, 'b.wal');
  for (let bit = last[0] * 8; bit < last[1] * 8; bit++) {
    const image = flip(bytes, bit);
    await writeFile(path, image);
    await assert.rejects(openWriteAheadLog(dir), (e) => {
      assert.ok(isIpcError(e, ErrorCode.WAL_CORRUPT), `bit ${bit}: ${String(e)}`);
      assert.ok(e.message.includes(path) && e.message.includes(`byte offset ${last[0]}`) && e.message.includes('salvage'), e.message);
      return true;
    });
    assert.deepEqual(await readFile(path), image, 'nothing was changed');
    const v = await verifyWalDir(dir);
    assert.equal(v.ok, false, `bit ${bit}`);
    assert.deepEqual(v.logs[0]!.corruption.map((d) => [d.offset, d.resumeAt, d.lastRecord]), [[last[0], last[1], true]], `bit ${bit}`);
    assert.equal(v.logs[0]!.tornTail, undefined);
  }
  // Salvage (a sample of the flips): starts with the three earlier records, keeps the original aside.
  for (let bit = last[0] * 8; bit < last[1] * 8; bit += 11) {
    const sdir = await tempDir(t);
    const image = flip(bytes, bit);
    await writeFile(join(sdir, 'b.wal'), image);
    const { wal, queues } = await openWriteAheadLog(sdir, { salvage: true });
    await wal.close();
    assert.deepEqual(queues[0]!.entries.map((e) => e.id), [uuid(0), uuid(1), uuid(2)], `bit ${bit}`);
    assert.deepEqual(await readFile(join(sdir, 'b.wal.corrupt')), image);
  }
});

test('an incomplete last record stays a torn tail: the same record cut short, or cut and zero-filled to its length', async (t) => {
  const src = await tempDir(t);
  const { bytes, last } = await buildLog(src);
  const dir = await tempDir(t);
  for (let cut = last[0] + 1; cut < last[1]; cut++) {
    for (const image of [bytes.subarray(0, cut), Buffer.concat([bytes.subarray(0, cut), Buffer.alloc(last[1] - cut)])]) {
      await writeFile(join(dir, 'b.wal'), image);
      const v = await verifyWalDir(dir);
      assert.equal(v.ok, true, `cut ${cut}, ${image.length} bytes`);
      assert.equal(v.logs[0]!.tornTail?.offset, last[0]);
    }
  }
});

test('a length field made huge by a flip is corruption, not a torn tail', async (t) => {
  const src = await tempDir(t);
  const { bytes, middle } = await buildLog(src);
  const dir = await tempDir(t);
  const image = Buffer.from(bytes);
  image.writeUInt32BE(0x00ffffff, middle[0] + 4);
  await writeFile(join(dir, 'b.wal'), image);
  await assert.rejects(openWriteAheadLog(dir), (e) => isIpcError(e, ErrorCode.WAL_CORRUPT));
});

test('a damaged file header or a foreign file refuses the open', async (t) => {
  const src = await tempDir(t);
  const { bytes } = await buildLog(src);
  for (const image of [flip(bytes, 5), flip(bytes, 13 * 8), Buffer.from('hello world, not a log')]) {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'b.wal'), image);
    await assert.rejects(openWriteAheadLog(dir), (e) => isIpcError(e, ErrorCode.WAL_CORRUPT));
    assert.deepEqual(await readdir(dir), ['b.wal']);
  }
});
