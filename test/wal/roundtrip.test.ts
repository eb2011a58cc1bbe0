import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isIpcError, ErrorCode } from '../../src/errors.js';
import { openWriteAheadLog } from '../../src/wal/index.js';
import { payload, tempDir, uuid } from './helpers.js';

test('appended entries come back in order after a reopen, minus acknowledged ones', async (t) => {
  const dir = await tempDir(t);
  const first = await openWriteAheadLog(dir);
  assert.deepEqual(first.queues, []);
  const log = await first.wal.createQueueLog('orders/eu', 7);
  for (let i = 0; i < 5; i++) await log.appendData(uuid(i), i === 2 ? 1_900_000_000_000 : -1, payload(i));
  await log.appendAck(uuid(1));
  await log.appendAck(uuid(3));
  await first.wal.close();

  const { wal, queues, report } = await openWriteAheadLog(dir);
  t.after(() => wal.close());
  assert.equal(queues.length, 1);
  const q = queues[0]!;
  assert.equal(q.name, 'orders/eu');
  assert.equal(q.capacity, 7);
  assert.equal(q.compress, false);
  assert.deepEqual(q.entries.map((e) => e.id), [uuid(0), uuid(2), uuid(4)]);
  assert.deepEqual(q.entries.map((e) => e.expiresAt), [-1, 1_900_000_000_000, -1]);
  assert.deepEqual(q.entries[1]!.payload, payload(2));
  assert.deepEqual(report.warnings, []);
  assert.equal(report.files[0]!.consumed, 2);
});

test('a reopened log continues: new appends and acks of recovered entries survive the next reopen', async (t) => {
  const dir = await tempDir(t);
  let { wal } = await openWriteAheadLog(dir, { compress: true });
  let log = await wal.createQueueLog('q', 100);
  await log.appendData(uuid(0), -1, payload(0, 1000));
  await log.appendData(uuid(1), -1, payload(1, 1000));
  await wal.close();
  for (let round = 2; round < 5; round++) {
    ({ wal } = await openWriteAheadLog(dir));
    log = wal.queueLog('q')!;
    assert.equal(log.compress, true, 'compression flag kept from CONFIG');
    await log.appendAck(uuid(round - 2));
    await log.appendData(uuid(round), -1, payload(round, 1000));
    await wal.close();
  }
  const { wal: w, queues } = await openWriteAheadLog(dir);
  await w.close();
  assert.deepEqual(queues[0]!.entries.map((e) => e.id), [uuid(3), uuid(4)]);
  assert.deepEqual(queues[0]!.entries[1]!.payload, payload(4, 1000));
});

test('removing a queue log closes it, deletes its file and later appends reject with WAL_CLOSED', async (t) => {
  const dir = await tempDir(t);
  const { wal } = await openWriteAheadLog(dir);
  t.after(() => wal.close());
  const log = await wal.createQueueLog('gone/soon', 3);
  await log.appendData(uuid(0), -1, payload(0));
  await access(join(dir, 'gone$soon.wal'));
  await wal.removeQueueLog('gone/soon');
  assert.deepEqual(await readdir(dir), []);
  assert.equal(wal.queueLog('gone/soon'), undefined);
  await assert.rejects(log.appendData(uuid(1), -1, payload(1)), (e) => isIpcError(e, ErrorCode.WAL_CLOSED));
  const again = await wal.createQueueLog('gone/soon', 3);
  await again.appendData(uuid(2), -1, payload(2));
});

test('createQueueLog refuses a duplicate queue, a bad name and a bad capacity', async (t) => {
  const dir = await tempDir(t);
  const { wal } = await openWriteAheadLog(dir);
  t.after(() => wal.close());
  await wal.createQueueLog('x', 1);
  await assert.rejects(wal.createQueueLog('x', 1), (e) => isIpcError(e, ErrorCode.INVALID_ARGUMENT));
  await assert.rejects(wal.createQueueLog('a.b', 1), (e) => isIpcError(e, ErrorCode.INVALID_QUEUE_NAME));
  await assert.rejects(wal.createQueueLog('y', 0), (e) => isIpcError(e, ErrorCode.INVALID_ARGUMENT));
  const log = wal.queueLog('x')!;
  await log.appendData('dup', -1, payload(0));
  await assert.rejects(log.appendData('dup', -1, payload(0)), (e) => isIpcError(e, ErrorCode.INVALID_ARGUMENT));
  await assert.rejects(log.appendData('e', 1.5, payload(0)), (e) => isIpcError(e, ErrorCode.INVALID_ARGUMENT));
});

test('an ACK of an id without a live DATA record writes nothing', async (t) => {
  const dir = await tempDir(t);
  const { wal } = await openWriteAheadLog(dir);
  t.after(() => wal.close());
  const log = await wal.createQueueLog('q', 2);
  await log.appendAck('never-logged');
  assert.equal(log.stats.records, 0);
});

test('more live entries than capacity are all kept and reported', async (t) => {
  const dir = await tempDir(t);
  const first = await openWriteAheadLog(dir);
  const log = await first.wal.createQueueLog('small', 2);
  for (let i = 0; i < 4; i++) await log.appendData(uuid(i), -1, payload(i));
  await first.wal.close();
  const warnings: string[] = [];
  const { wal, queues, report } = await openWriteAheadLog(dir, { onWarning: (m) => warnings.push(m) });
  await wal.close();
  assert.equal(queues[0]!.entries.length, 4);
  assert.equal(report.files[0]!.overCapacity, true);
  assert.match(warnings.join('\n'), /exceed the capacity 2/);
});

test('close is idempotent and appends after it reject with WAL_CLOSED', async (t) => {
  const dir = await tempDir(t);
  const { wal } = await openWriteAheadLog(dir);
  const log = await wal.createQueueLog('q', 2);
  const pending = log.appendData(uuid(0), -1, payload(0));
  await Promise.all([wal.close(), wal.close()]);
  await pending; // accepted before close: flushed, not dropped
  await assert.rejects(log.appendData(uuid(1), -1, payload(1)), (e) => isIpcError(e, ErrorCode.WAL_CLOSED));
  await assert.rejects(wal.createQueueLog('r', 1), (e) => isIpcError(e, ErrorCode.WAL_CLOSED));
});

test('open rejects unknown options', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(openWriteAheadLog(dir, { bogus: 1 } as never), (e) => isIpcError(e, ErrorCode.INVALID_OPTION));
});
