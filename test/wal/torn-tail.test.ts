import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openWriteAheadLog } from '../../src/wal/index.js';
import { payload, tempDir, uuid } from './helpers.js';

/** A log with DATA 0, DATA 1, ACK 0, then DATA 2; returns the bytes and where DATA 2 starts. */
async function buildLog(dir: string): Promise<{ bytes: Buffer; lastStart: number }> {
  const { wal } = await openWriteAheadLog(dir);
  const log = await wal.createQueueLog('t', 10);
  await log.appendData(uuid(0), -1, payload(0, 40));
  await log.appendData(uuid(1), -1, payload(1, 40));
  await log.appendAck(uuid(0));
  const lastStart = log.stats.fileBytes;
  await log.appendData(uuid(2), 42, payload(2, 40));
  await wal.close();
  return { bytes: await readFile(join(dir, 't.wal')), lastStart };
}

test('a tail torn at every byte offset of the last record is cut off and the log keeps working', async (t) => {
  const src = await tempDir(t);
  const { bytes, lastStart } = await buildLog(src);
  const dir = await tempDir(t);
  const path = join(dir, 't.wal');
  for (let cut = lastStart; cut < bytes.length; cut++) {
    await writeFile(path, bytes.subarray(0, cut));
    const warnings: string[] = [];
    const { wal, queues, report } = await openWriteAheadLog(dir, { onWarning: (m) => warnings.push(m) });
    assert.deepEqual(queues[0]!.entries.map((e) => e.id), [uuid(1)], `cut at ${cut}`);
    const tail = report.files[0]!.truncatedTail;
    if (cut === lastStart) assert.equal(tail, undefined);
    else {
      assert.deepEqual(tail && { offset: tail.offset, bytes: tail.bytes }, { offset: lastStart, bytes: cut - lastStart }, `cut at ${cut}`);
      assert.equal(warnings.length, 1);
    }
    assert.equal((await stat(path)).size, lastStart, 'file truncated at the end of the last good record');
    await wal.queueLog('t')!.appendData(uuid(3), -1, payload(3, 40));
    await wal.close();
    const again = await openWriteAheadLog(dir);
    await again.wal.close();
    assert.deepEqual(again.queues[0]!.entries.map((e) => e.id), [uuid(1), uuid(3)], `cut at ${cut}, after append`);
    assert.equal(again.report.warnings.length, 0);
  }
});

test('zero-filled tails are cut off: after the last record, over it, and after half of it', async (t) => {
  const src = await tempDir(t);
  const { bytes, lastStart } = await buildLog(src);
  const half = lastStart + ((bytes.length - lastStart) >> 1);
  const cases: [string, Buffer, string[]][] = [
    ['zeros appended', Buffer.concat([bytes, Buffer.alloc(4096)]), [uuid(1), uuid(2)]],
    ['last record zeroed', Buffer.concat([bytes.subarray(0, lastStart), Buffer.alloc(bytes.length - lastStart)]), [uuid(1)]],
    ['half written, then zeros', Buffer.concat([bytes.subarray(0, half), Buffer.alloc(8192)]), [uuid(1)]],
  ];
  for (const [name, image, ids] of cases) {
    const dir = await tempDir(t);
    await writeFile(join(dir, 't.wal'), image);
    const { wal, queues, report } = await openWriteAheadLog(dir);
    await wal.close();
    assert.deepEqual(queues[0]!.entries.map((e) => e.id), ids, name);
    assert.ok(report.files[0]!.truncatedTail !== undefined, name);
    assert.equal((await stat(join(dir, 't.wal'))).size, ids.length === 2 ? bytes.length : lastStart, name);
  }
});
