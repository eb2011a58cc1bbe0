import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { openWriteAheadLog } from '../../src/wal/index.js';
import { FaultFs, payload, tempDir, uuid } from './helpers.js';

test('64 concurrent appends share few syncs and none resolves before the sync covering it', async (t) => {
  const dir = await tempDir(t);
  const fs = new FaultFs();
  const { wal } = await openWriteAheadLog(dir, { fs });
  t.after(() => wal.close());
  const log = await wal.createQueueLog('gc', 10_000);

  // Each resolution records how many fs events had happened by then.
  const resolvedAt = new Map<string, number>();
  const workers = Array.from({ length: 64 }, async (_, w) => {
    for (let k = 0; k < 8; k++) {
      const id = uuid(w * 100 + k);
      await log.appendData(id, -1, payload(w * 100 + k, 200));
      resolvedAt.set(id, fs.events.length);
    }
  });
  await Promise.all(workers);

  assert.equal(resolvedAt.size, 512);
  assert.equal(log.stats.records, 512);
  assert.ok(log.stats.syncs <= 512 / 8, `syncs ${log.stats.syncs} should be far fewer than 512 records`);
  for (const [id, at] of resolvedAt) {
    const writeIdx = fs.events.findIndex((e) => e.op === 'writev' && e.data!.includes(id));
    assert.ok(writeIdx >= 0, `${id} was written`);
    const syncIdx = fs.events.findIndex((e, i) => i > writeIdx && e.op === 'datasync-done');
    assert.ok(syncIdx > writeIdx && syncIdx < at, `${id} resolved (event ${at}) after the sync (event ${syncIdx}) following its write (event ${writeIdx})`);
  }
});

test('appends stay pending while the sync is held and all resolve once it completes', async (t) => {
  const dir = await tempDir(t);
  const fs = new FaultFs();
  const { wal } = await openWriteAheadLog(dir, { fs });
  t.after(() => wal.close());
  const log = await wal.createQueueLog('held', 1000);
  fs.hold();
  let resolved = 0;
  const all = Array.from({ length: 64 }, (_, i) => log.appendData(uuid(i), -1, payload(i)).then(() => resolved++));
  await sleep(50);
  assert.equal(resolved, 0, 'nothing resolves before its sync');
  assert.equal(fs.count('datasync'), 1, 'one sync in progress; the rest wait for the next batch');
  // Appends made while the sync runs join the next batch.
  const later = Array.from({ length: 16 }, (_, i) => log.appendData(uuid(100 + i), -1, payload(i)).then(() => resolved++));
  fs.release();
  await Promise.all([...all, ...later]);
  assert.equal(resolved, 80);
  assert.equal(log.stats.syncs, 2, 'one batch for the 64 synchronous appends, one for the 16 that came during its sync');
  assert.ok(fs.count('datasync-done') >= 1);
});

test('log order equals call order under concurrency', async (t) => {
  const dir = await tempDir(t);
  const first = await openWriteAheadLog(dir, { compress: true, compressMinBytes: 50 });
  const log = await first.wal.createQueueLog('order', 1000);
  await Promise.all(Array.from({ length: 200 }, (_, i) => log.appendData(uuid(i), -1, payload(i, i % 2 === 0 ? 40 : 400))));
  await first.wal.close();
  const { wal, queues } = await openWriteAheadLog(dir);
  await wal.close();
  assert.deepEqual(queues[0]!.entries.map((e) => e.id), Array.from({ length: 200 }, (_, i) => uuid(i)));
  assert.deepEqual(queues[0]!.entries[199]!.payload, payload(199, 400));
});
