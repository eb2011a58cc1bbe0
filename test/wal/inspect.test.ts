import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isIpcError } from '../../src/errors.js';
import { dumpWalDir, openWriteAheadLog, verifyWalDir } from '../../src/wal/index.js';
import { payload, tempDir, uuid } from './helpers.js';

const SAMPLE = fileURLToPath(new URL('../../../test/fixtures/wal/venice-sample/ref$dq.wal', import.meta.url));

async function build(dir: string): Promise<{ middle: number }> {
  const { wal } = await openWriteAheadLog(dir);
  const log = await wal.createQueueLog('q/one', 5);
  await log.appendData(uuid(0), -1, payload(0));
  const middle = log.stats.fileBytes;
  await log.appendData(uuid(1), 77, payload(1));
  await log.appendData(uuid(2), -1, payload(2));
  await log.appendAck(uuid(0));
  await wal.close();
  return { middle };
}

test('verifyWalDir counts live and consumed records per queue and reads Venice files', async (t) => {
  const dir = await tempDir(t);
  await build(dir);
  await copyFile(SAMPLE, join(dir, 'ref$dq.wal'));
  const before = await readFile(join(dir, 'ref$dq.wal'));
  const r = await verifyWalDir(dir);
  assert.equal(r.ok, true);
  const byQueue = Object.fromEntries(r.logs.map((l) => [l.queue, l]));
  assert.equal(byQueue['q/one']!.live, 2);
  assert.equal(byQueue['q/one']!.consumed, 1);
  assert.equal(byQueue['q/one']!.records, 5);
  assert.equal(byQueue['ref/dq']!.format, 'venice');
  assert.equal(byQueue['ref/dq']!.capacity, 10);
  assert.deepEqual(await readFile(join(dir, 'ref$dq.wal')), before, 'read-only');
});

test('verifyWalDir reports mid-file corruption with file and offset, and a torn tail as harmless', async (t) => {
  const dir = await tempDir(t);
  const { middle } = await build(dir);
  const path = join(dir, 'q$one.wal');
  const bytes = await readFile(path);
  bytes[middle + 20]! ^= 0x10;
  await writeFile(path, Buffer.concat([bytes, Buffer.alloc(100)]));
  const r = await verifyWalDir(dir);
  assert.equal(r.ok, false);
  const log = r.logs[0]!;
  assert.equal(log.file, 'q$one.wal');
  assert.equal(log.corruption[0]!.offset, middle);
  assert.equal(log.tornTail?.bytes, 100);
  assert.equal(log.live, 1, 'uuid(2) survives; uuid(1) is damaged; uuid(0) was acked');
  assert.deepEqual(await readFile(path), Buffer.concat([bytes, Buffer.alloc(100)]), 'read-only');
  await assert.rejects(dumpWalDir(dir), (e) => isIpcError(e, ErrorCode.WAL_CORRUPT) && e.message.includes(`byte offset ${middle}`));
  const salvaged = await dumpWalDir(dir, undefined, { salvage: true });
  assert.deepEqual(salvaged[0]!.entries.map((e) => e.id), [uuid(2)]);
});

test('dumpWalDir returns live entries with id, expiresAt and payload, optionally for one queue', async (t) => {
  const dir = await tempDir(t);
  await build(dir);
  await copyFile(SAMPLE, join(dir, 'ref$dq.wal'));
  const all = await dumpWalDir(dir);
  assert.deepEqual(all.map((q) => q.name).sort(), ['q/one', 'ref/dq']);
  const [one] = await dumpWalDir(dir, 'q/one');
  assert.deepEqual(one!.entries.map((e) => [e.id, e.expiresAt]), [[uuid(1), 77], [uuid(2), -1]]);
  assert.deepEqual(one!.entries[0]!.payload, payload(1));
  const [ref] = await dumpWalDir(dir, 'ref/dq');
  assert.equal(ref!.entries[0]!.payload[0], 0x76);
});
