import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isIpcError } from '../../src/errors.js';
import { openWriteAheadLog } from '../../src/wal/index.js';
import { payload, tempDir, uuid, veniceConfig, veniceRecord } from './helpers.js';

const SAMPLE = fileURLToPath(new URL('../../../test/fixtures/wal/venice-sample/ref$dq.wal', import.meta.url));

test('the Venice sample log comes back as queue ref/dq with its one message, then is converted', async (t) => {
  const dir = await tempDir(t);
  await copyFile(SAMPLE, join(dir, 'ref$dq.wal'));
  const { wal, queues, report } = await openWriteAheadLog(dir);
  assert.equal(queues.length, 1);
  const q = queues[0]!;
  assert.equal(q.name, 'ref/dq');
  assert.equal(q.capacity, 10);
  assert.equal(q.compress, true, 'the sample CONFIG carries the compress flag');
  assert.equal(q.entries.length, 1);
  const e = q.entries[0]!;
  assert.equal(e.id, '161cee1b-8c0d-4da7-9e53-a61e96977489');
  assert.equal(e.expiresAt, -1);
  assert.deepEqual([...e.payload.subarray(0, 2)], [0x76, 0x6e]);
  assert.equal(e.payload.length, 0x83);
  assert.deepEqual(report.files[0]!.format, 'venice');
  assert.equal(report.files[0]!.converted, true);

  // Converted in place: our magic now, no temporaries, and appends work.
  const converted = await readFile(join(dir, 'ref$dq.wal'));
  assert.deepEqual([...converted.subarray(0, 5)], [0x89, 0x56, 0x57, 0x41, 0x4c]);
  assert.deepEqual(await readdir(dir), ['ref$dq.wal']);
  await wal.queueLog('ref/dq')!.appendData(uuid(1), -1, payload(1));
  await wal.close();
  const again = await openWriteAheadLog(dir);
  await again.wal.close();
  assert.equal(again.report.files[0]!.format, 'vipc');
  assert.deepEqual(again.queues[0]!.entries.map((x) => x.id), [e.id, uuid(1)]);
  assert.deepEqual(again.queues[0]!.entries[0]!.payload, e.payload);
});

/** CONFIG, DATA 0 (plain), DATA 1 (GZIP), DATA 2, ACK 0, DATA 3 (GZIP). */
function syntheticVenice(): Buffer {
  return Buffer.concat([
    veniceRecord({ lsn: 1, type: 1, uuid: uuid(100), payload: veniceConfig(25, true) }),
    veniceRecord({ lsn: 2, type: 2, uuid: uuid(0), payload: payload(0, 120) }),
    veniceRecord({ lsn: 3, type: 2, uuid: uuid(1), payload: payload(1, 700), compressed: true }),
    veniceRecord({ lsn: 4, type: 2, uuid: uuid(2), payload: payload(2, 50) }),
    veniceRecord({ lsn: 5, type: 0, uuid: uuid(101), payload: Buffer.from(uuid(0).replaceAll('-', ''), 'hex') }),
    veniceRecord({ lsn: 6, type: 2, uuid: uuid(3), payload: payload(3, 400), compressed: true }),
  ]);
}

test('a synthetic Venice log with ACK and compressed DATA yields the live entries in order', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'a$b$c.wal'), syntheticVenice());
  const { wal, queues, report } = await openWriteAheadLog(dir);
  await wal.close();
  const q = queues[0]!;
  assert.equal(q.name, 'a/b/c');
  assert.equal(q.capacity, 25);
  assert.deepEqual(q.entries.map((e) => e.id), [uuid(1), uuid(2), uuid(3)]);
  assert.deepEqual(q.entries.map((e) => e.payload), [payload(1, 700), payload(2, 50), payload(3, 400)]);
  assert.equal(report.files[0]!.consumed, 1);
});

test('a Venice log with a torn tail is recovered without the partial record', async (t) => {
  const full = syntheticVenice();
  const lastStart = full.lastIndexOf(Buffer.from([0xca, 0xfe, 0xba, 0xbe]));
  for (let cut = lastStart + 1; cut < full.length; cut++) {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'v.wal'), full.subarray(0, cut));
    const { wal, queues, report } = await openWriteAheadLog(dir);
    await wal.close();
    assert.deepEqual(queues[0]!.entries.map((e) => e.id), [uuid(1), uuid(2)], `cut ${cut}`);
    assert.ok(report.files[0]!.truncatedTail !== undefined);
  }
});

test('a Venice log with a bad record followed by valid ones refuses the open', async (t) => {
  const full = syntheticVenice();
  const dir = await tempDir(t);
  const bad = Buffer.from(full);
  bad[52 + 12 + 52 + 30]! ^= 0x01; // inside the payload of DATA 0 (CRC covers Venice payloads)
  await writeFile(join(dir, 'v.wal'), bad);
  await assert.rejects(openWriteAheadLog(dir), (e) => isIpcError(e, ErrorCode.WAL_CORRUPT) && e.message.includes('byte offset 64'));
  const salvaged = await openWriteAheadLog(dir, { salvage: true });
  await salvaged.wal.close();
  assert.deepEqual(salvaged.queues[0]!.entries.map((e) => e.id), [uuid(1), uuid(2), uuid(3)]);
});

test('a Venice DATA record whose GZIP payload does not inflate is corruption', async (t) => {
  const dir = await tempDir(t);
  const rec = veniceRecord({ lsn: 2, type: 2, uuid: uuid(0), payload: Buffer.from('not gzip at all') });
  rec.writeInt32BE(1, 40); // claims compressed; the CRC still matches
  const image = Buffer.concat([veniceRecord({ lsn: 1, type: 1, uuid: uuid(9), payload: veniceConfig(5, true) }), rec, veniceRecord({ lsn: 3, type: 2, uuid: uuid(1), payload: payload(1) })]);
  await writeFile(join(dir, 'v.wal'), image);
  await assert.rejects(openWriteAheadLog(dir), (e) => isIpcError(e, ErrorCode.WAL_CORRUPT));
});

test('an interrupted Venice compaction (log renamed to .bak) is restored from the backup', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'v.wal.bak'), syntheticVenice());
  await writeFile(join(dir, 'v.wal.compact'), syntheticVenice().subarray(0, 100));
  const { wal, queues } = await openWriteAheadLog(dir);
  await wal.close();
  assert.deepEqual(queues[0]!.entries.map((e) => e.id), [uuid(1), uuid(2), uuid(3)]);
  assert.deepEqual(await readdir(dir), ['v.wal']);
});
