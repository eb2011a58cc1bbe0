import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, isIpcError } from '../../src/errors.js';
import { openWriteAheadLog } from '../../src/wal/index.js';
import type { FsOp } from './helpers.js';
import { FaultFs, payload, tempDir, uuid } from './helpers.js';

const isWalIo = (e: unknown): boolean => isIpcError(e, ErrorCode.WAL_IO);

for (const [op, partial] of [['writev', false], ['writev', true], ['datasync', false]] as [FsOp, boolean][]) {
  test(`a failing ${op}${partial ? ' (short write)' : ''} rejects its whole batch, never resolves it, and fails the log`, async (t) => {
    const dir = await tempDir(t);
    const fs = new FaultFs();
    const { wal } = await openWriteAheadLog(dir, { fs });
    const log = await wal.createQueueLog('f', 1000);
    await log.appendData(uuid(0), -1, payload(0)); // durable before the fault
    fs.failOn(op, 1, { partial });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => log.appendData(uuid(i + 1), -1, payload(i + 1))));
    assert.ok(outcomes.every((o) => o.status === 'rejected' && isWalIo(o.reason)), 'every append of the batch rejects with WAL_IO');
    assert.ok(isWalIo(log.failed));
    await assert.rejects(log.appendData(uuid(99), -1, payload(99)), isWalIo);
    await assert.rejects(log.appendAck(uuid(0)), isWalIo);
    await wal.close();

    // The rejected records were cut off again (best effort), so they do not come back.
    const { wal: again, queues } = await openWriteAheadLog(dir);
    await again.close();
    assert.deepEqual(queues[0]!.entries.map((e) => e.id), [uuid(0)]);
  });
}

test('appends waiting behind a failing batch are rejected too', async (t) => {
  const dir = await tempDir(t);
  const fs = new FaultFs();
  const { wal } = await openWriteAheadLog(dir, { fs });
  t.after(() => wal.close());
  const log = await wal.createQueueLog('f', 1000);
  fs.hold();
  fs.failOn('datasync');
  const first = Promise.allSettled([log.appendData(uuid(1), -1, payload(1))]);
  await new Promise((r) => setTimeout(r, 20));
  const second = Promise.allSettled([log.appendData(uuid(2), -1, payload(2))]); // joins the next batch
  fs.release();
  const [[a], [b]] = await Promise.all([first, second]);
  assert.equal(a!.status, 'rejected');
  assert.equal(b!.status, 'rejected');
});

test('a failing createQueueLog leaves no log behind', async (t) => {
  const dir = await tempDir(t);
  const fs = new FaultFs();
  const { wal } = await openWriteAheadLog(dir, { fs });
  t.after(() => wal.close());
  fs.failOn('sync');
  await assert.rejects(wal.createQueueLog('c', 3), isWalIo);
  assert.equal(wal.queueLog('c'), undefined);
  await wal.createQueueLog('c', 3);
});

test('creating, compacting and removing a log fsync the directory after the file operation', async (t) => {
  const dir = await tempDir(t);
  const fs = new FaultFs();
  const { wal } = await openWriteAheadLog(dir, { fs });
  t.after(() => wal.close());
  const ops = (): string[] => fs.events.filter((e) => ['rename', 'unlink', 'syncDir', 'sync'].includes(e.op)).map((e) => e.op);
  const log = await wal.createQueueLog('d', 3);
  assert.deepEqual(ops(), ['sync', 'rename', 'syncDir']);
  fs.events.length = 0;
  await log.compact();
  assert.deepEqual(ops(), ['sync', 'rename', 'syncDir']);
  fs.events.length = 0;
  await wal.removeQueueLog('d');
  assert.deepEqual(ops(), ['unlink', 'syncDir']);
});
