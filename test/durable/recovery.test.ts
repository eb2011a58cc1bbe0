/**
 * Server start on damaged or foreign logs: a torn (incomplete) last record costs only that
 * record; damage to a complete record, the last one too, stops the start naming file and
 * offset (or is salvaged); the
 * Venice sample is taken over; compaction at start and while running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, plainTextMessage, type Client } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../wal/helpers.js';
import { drainTexts, walEnv } from './helpers.js';

const SAMPLE = fileURLToPath(new URL('../../../test/fixtures/wal/venice-sample/ref$dq.wal', import.meta.url));

async function offerTexts(c: Client, q: string, texts: string[]): Promise<void> {
  for (const t of texts) assert.equal((await c.offer(q, plainTextMessage(t, 'test', t, { durable: true }))).status, 'OK');
}

/** A log of queue q with messages m1..m3; returns its bytes and the offsets where records 2 and 3 start. */
async function threeMessageLog(dir: string): Promise<{ bytes: Buffer; second: number; third: number }> {
  await mkdir(dir);
  await using env = await walEnv(dir);
  await env.server.createQueue('q', { capacity: 10, durable: true });
  const c = await env.client();
  await offerTexts(c, 'q', ['m1']);
  const second = env.wal.logStats('q')!.fileBytes;
  await offerTexts(c, 'q', ['m2']);
  const third = env.wal.logStats('q')!.fileBytes;
  await offerTexts(c, 'q', ['m3']);
  return { bytes: await readFile(join(dir, 'q.wal')), second, third };
}

/** Starts a server on a directory holding only `bytes` as q.wal and drains q. */
async function startWith(root: string, name: string, bytes: Buffer, opts: { walSalvage?: boolean } = {}): Promise<string[]> {
  const dir = join(root, name);
  await mkdir(dir);
  await writeFile(join(dir, 'q.wal'), bytes);
  const warnings: string[] = [];
  await using env = await walEnv(dir, { ...opts, onWalWarning: (m) => warnings.push(m) });
  return await drainTexts(await env.client(), 'q');
}

test('a torn last record (cut at every byte) or a zero-filled tail: the server starts with all earlier records', async (t) => {
  const root = await tempDir(t);
  const { bytes, third } = await threeMessageLog(join(root, 'src'));
  for (let cut = third; cut < bytes.length; cut++) {
    assert.deepEqual(await startWith(root, `cut${cut}`, bytes.subarray(0, cut)), ['m1', 'm2'], `cut at ${cut}`);
  }
  assert.deepEqual(await startWith(root, 'zeros', Buffer.concat([bytes, Buffer.alloc(4096)])), ['m1', 'm2', 'm3']);
  assert.deepEqual(await startWith(root, 'zeroed', Buffer.concat([bytes.subarray(0, third), Buffer.alloc(bytes.length - third)])), ['m1', 'm2']);
});

test('a bit flip anywhere in the complete last record: wal verify exits 2 and the start fails; walSalvage starts with the earlier records', async (t) => {
  const root = await tempDir(t);
  const { bytes, third } = await threeMessageLog(join(root, 'src'));
  for (let bit = third * 8; bit < bytes.length * 8; bit += 7) {
    const b = Buffer.from(bytes);
    b[bit >> 3]! ^= 1 << (bit & 7);
    const dir = join(root, `flip${bit}`);
    await mkdir(dir);
    await writeFile(join(dir, 'q.wal'), b);
    await assert.rejects(createServer({ port: 0, walDir: dir }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'VIPC_ERR_WAL_CORRUPT', `bit ${bit}`);
      assert.ok(err.message.includes(`corrupt record at byte offset ${third}`), `bit ${bit}: ${err.message}`);
      assert.ok(err.message.includes('walSalvage'), err.message);
      return true;
    });
    assert.deepEqual(await readFile(join(dir, 'q.wal')), b, 'nothing touched');
    if (bit % 5 === 0) {
      // The CLI check agrees (it is slower: a process per run, so every 5th flip).
      const v = await runCli(['wal', 'verify', dir]);
      assert.equal(v.code, 2, `bit ${bit}: ${v.stdout}`);
      assert.match(v.stdout, new RegExp(`corruption at offset ${third} \\(the complete last record, not a torn tail\\)`));
    }
    assert.deepEqual(await startWith(root, `salvaged${bit}`, b, { walSalvage: true }), ['m1', 'm2'], `bit ${bit}`);
  }
});

test('a corrupt record followed by valid ones: the start fails naming file and offset; walSalvage keeps every valid record', async (t) => {
  const root = await tempDir(t);
  const { bytes, second } = await threeMessageLog(join(root, 'src'));
  const b = Buffer.from(bytes);
  b[second + 20]! ^= 0x10; // inside record 2
  const dir = join(root, 'bad');
  await mkdir(dir);
  await writeFile(join(dir, 'q.wal'), b);
  await assert.rejects(createServer({ port: 0, walDir: dir }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'VIPC_ERR_WAL_CORRUPT');
    assert.ok(err.message.includes(join(dir, 'q.wal')), err.message);
    assert.ok(err.message.includes(`corrupt record at byte offset ${second}`), err.message);
    assert.ok(err.message.includes('walSalvage'), err.message);
    return true;
  });
  assert.deepEqual(await readFile(join(dir, 'q.wal')), b, 'nothing touched');
  // The CLI says the same and exits non-zero.
  const r = await runCli(['serve', '--port', '0', '--wal-dir', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`VIPC_ERR_WAL_CORRUPT: .*q\\.wal: corrupt record at byte offset ${second}`));
  assert.deepEqual(await startWith(root, 'salvaged', b, { walSalvage: true }), ['m1', 'm3']);
  assert.ok((await readdir(join(root, 'salvaged'))).includes('q.wal.corrupt'));
});

test('the Venice WAL sample is recovered by createServer and its message polled by a client', async (t) => {
  const dir = await tempDir(t);
  await copyFile(SAMPLE, join(dir, 'ref$dq.wal'));
  await using env = await walEnv(dir);
  assert.deepEqual(env.server.queueStatus('ref/dq'), { name: 'ref/dq', exists: true, type: 'BOUNDED', temporary: false, durable: true, capacity: 10, size: 1 });
  const c = await env.client();
  const m = await c.poll('ref/dq', { timeout: 0 });
  assert.equal(m.status, 'OK');
  assert.equal(m.requestId, '12');
  assert.equal(m.text, 'durable 1');
  assert.equal(m.durable, true);
  assert.equal(m.topic, 'test');
  assert.equal((await c.poll('ref/dq', { timeout: 0 })).status, 'QUEUE_EMPTY');
  assert.equal((await c.serverStatus())['write-ahead-log-count'], 1);
});

test('walCompact compacts every log at start: consumed records are gone from the file, order kept', async (t) => {
  const dir = await tempDir(t);
  const texts = Array.from({ length: 100 }, (_, i) => `message ${i} ${'x'.repeat(100)}`);
  {
    await using env = await walEnv(dir);
    await env.server.createQueue('q', { capacity: 100, durable: true });
    const c = await env.client();
    await offerTexts(c, 'q', texts);
    for (let i = 0; i < 90; i++) assert.equal((await c.poll('q')).status, 'OK');
  }
  const before = (await stat(join(dir, 'q.wal'))).size;
  {
    await using env = await walEnv(dir); // no compaction: same file
    assert.equal(env.server.queueStatus('q').size, 10);
  }
  assert.equal((await stat(join(dir, 'q.wal'))).size, before);
  await using env = await walEnv(dir, { walCompact: true });
  const after = (await stat(join(dir, 'q.wal'))).size;
  assert.ok(after < before / 5, `${before} → ${after} bytes`);
  assert.deepEqual(await readdir(dir), ['q.wal']);
  assert.deepEqual(await drainTexts(await env.client(), 'q'), texts.slice(90));
});

test('a log growing past walCompactThreshold is compacted while the server runs', async (t) => {
  const dir = await tempDir(t);
  await using env = await walEnv(dir, { walCompactThreshold: 16 * 1024 });
  await env.server.createQueue('q', { capacity: 100, durable: true });
  const c = await env.client();
  const body = 'y'.repeat(500);
  let appended = 0;
  for (let i = 0; i < 200; i++) {
    await offerTexts(c, 'q', [`${i} ${body}`]);
    appended += 500;
    assert.equal((await c.poll('q')).status, 'OK');
  }
  await offerTexts(c, 'q', ['last']);
  const stats = env.wal.logStats('q')!;
  assert.ok(stats.compactions >= 1, `compactions: ${stats.compactions}`);
  const onDisk = (await stat(join(dir, 'q.wal'))).size;
  assert.equal(onDisk, stats.fileBytes);
  assert.ok(onDisk < 40 * 1024 && onDisk < appended / 2, `${onDisk} bytes on disk after ${appended} payload bytes`);
  assert.deepEqual((await readdir(dir)).sort(), ['q.wal']);
  assert.deepEqual(await drainTexts(c, 'q'), ['last']);
});
