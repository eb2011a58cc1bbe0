import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, isIpcError } from '../../src/errors.js';
import { openWriteAheadLog } from '../../src/wal/index.js';
import type { FsOp } from './helpers.js';
import { FaultFs, payload, tempDir, uuid, veniceConfig, veniceRecord } from './helpers.js';

const LIVE = [6, 7, 8, 9].map(uuid);

/** DATA 0..9 then ACK 0..5: four live entries and plenty of dead bytes. */
async function buildLog(dir: string): Promise<void> {
  const { wal } = await openWriteAheadLog(dir);
  const log = await wal.createQueueLog('c', 100);
  for (let i = 0; i < 10; i++) await log.appendData(uuid(i), -1, payload(i, 200));
  for (let i = 0; i < 6; i++) await log.appendAck(uuid(i));
  await wal.close();
}

async function liveIds(dir: string): Promise<string[]> {
  const { wal, queues } = await openWriteAheadLog(dir);
  await wal.close();
  assert.deepEqual(await readdir(dir), ['c.wal'], 'no temporaries left after open');
  return queues[0]!.entries.map((e) => e.id);
}

test('explicit compaction keeps only live records and the log keeps appending', async (t) => {
  const dir = await tempDir(t);
  await buildLog(dir);
  const before = (await stat(join(dir, 'c.wal'))).size;
  const { wal } = await openWriteAheadLog(dir);
  const log = wal.queueLog('c')!;
  assert.ok(log.stats.deadBytes > 0);
  await log.compact();
  assert.equal(log.stats.deadBytes, 0);
  assert.ok(log.stats.fileBytes < before / 2);
  await log.appendData(uuid(10), -1, payload(10, 200));
  await log.appendAck(uuid(6));
  await wal.close();
  assert.deepEqual(await liveIds(dir), [...LIVE.slice(1), uuid(10)]);
});

test('a log compacts itself once dead bytes pass the threshold, with appends in flight', async (t) => {
  const dir = await tempDir(t);
  const { wal } = await openWriteAheadLog(dir, { compactThresholdBytes: 4096 });
  const log = await wal.createQueueLog('c', 1000);
  let next = 0;
  const live: string[] = [];
  for (let round = 0; round < 20; round++) {
    const ids = Array.from({ length: 10 }, () => uuid(next++));
    await Promise.all(ids.map((id) => log.appendData(id, -1, payload(next, 300))));
    live.push(...ids);
    await Promise.all(live.splice(0, 8).map((id) => log.appendAck(id)));
  }
  assert.ok(log.stats.compactions >= 2, `compactions: ${log.stats.compactions}`);
  const { fileBytes, deadBytes } = log.stats;
  // Dead bytes stay below max(threshold, live bytes) plus at most one round of appends/acks.
  assert.ok(deadBytes <= Math.max(4096, fileBytes - deadBytes) + 10 * 400, `dead ${deadBytes} of ${fileBytes}`);
  await wal.close();
  assert.deepEqual(await liveIds(dir), live);
});

test('compactAtStart rewrites every log with its live records only', async (t) => {
  const dir = await tempDir(t);
  await buildLog(dir);
  const before = (await stat(join(dir, 'c.wal'))).size;
  const { wal, queues, report } = await openWriteAheadLog(dir, { compactAtStart: true });
  await wal.close();
  assert.equal(report.files[0]!.compacted, true);
  assert.deepEqual(queues[0]!.entries.map((e) => e.id), LIVE);
  assert.ok((await stat(join(dir, 'c.wal'))).size < before / 2);
  assert.deepEqual(await liveIds(dir), LIVE);
});

// Each step of a compaction: read, write temp (short write), sync temp, rename, sync directory.
const STEPS: [FsOp, { partial?: boolean; pathIncludes?: string }][] = [
  ['readFile', {}],
  ['writev', { partial: true, pathIncludes: '.compact' }],
  ['sync', { pathIncludes: '.compact' }],
  ['rename', {}],
  ['syncDir', {}],
];

for (const [op, opts] of STEPS) {
  test(`a compaction interrupted at ${op} leaves a log that opens with the right live set`, async (t) => {
    const dir = await tempDir(t);
    await buildLog(dir);
    const fs = new FaultFs();
    const { wal } = await openWriteAheadLog(dir, { fs });
    const log = wal.queueLog('c')!;
    fs.failOn(op, 1, opts);
    await assert.rejects(log.compact(), (e) => isIpcError(e, ErrorCode.WAL_IO));
    const committed = op === 'rename' || op === 'syncDir';
    // Before the commit point the log carries on; at or after it, it fails rather than risk loss.
    assert.equal(log.failed !== undefined, committed);
    if (!committed) await log.appendAck(uuid(6));
    await wal.close(); // the "crash": nothing more is written
    assert.deepEqual(await liveIds(dir), committed ? LIVE : LIVE.slice(1));
  });

  test(`compactAtStart interrupted at ${op} fails the open and the next open recovers`, async (t) => {
    const dir = await tempDir(t);
    await buildLog(dir);
    const fs = new FaultFs();
    fs.failOn(op, 1, opts);
    await assert.rejects(openWriteAheadLog(dir, { fs, compactAtStart: true }), (e) => isIpcError(e, ErrorCode.WAL_IO));
    assert.deepEqual(await liveIds(dir), LIVE);
  });
}

for (const [op, opts] of STEPS.slice(1)) {
  test(`a Venice conversion interrupted at ${op} is redone by the next open`, async (t) => {
    const dir = await tempDir(t);
    const image = Buffer.concat([
      veniceRecord({ lsn: 1, type: 1, uuid: uuid(100), payload: veniceConfig(9, false) }),
      veniceRecord({ lsn: 2, type: 2, uuid: uuid(0), payload: payload(0) }),
      veniceRecord({ lsn: 3, type: 2, uuid: uuid(1), payload: payload(1) }),
    ]);
    await writeFile(join(dir, 'c.wal'), image);
    const fs = new FaultFs();
    fs.failOn(op, 1, opts);
    await assert.rejects(openWriteAheadLog(dir, { fs }), (e) => isIpcError(e, ErrorCode.WAL_IO));
    assert.deepEqual(await liveIds(dir), [uuid(0), uuid(1)]);
  });
}
