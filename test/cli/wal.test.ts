import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';

const SAMPLE = fileURLToPath(new URL('../../../test/fixtures/wal/venice-sample/ref$dq.wal', import.meta.url));

test('wal verify and wal dump read a Venice WAL folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipc-walcli-'));
  try {
    copyFileSync(SAMPLE, join(dir, 'ref$dq.wal'));
    const v = await runCli(['wal', 'verify', dir]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^ref\/dq \(ref\$dq\.wal, venice, capacity 10\): 2 records, 1 live, 0 consumed\n$/);
    const d = await runCli(['wal', 'dump', dir, '--queue', 'ref/dq']);
    assert.equal(d.code, 0, d.stderr);
    const line = JSON.parse(d.stdout.trim()) as { queue: string; message: Record<string, unknown> };
    assert.equal(line.queue, 'ref/dq');
    assert.equal(line.message['text'], 'durable 1');
    assert.equal(line.message['durable?'], true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wal verify reports a corrupt record followed by a valid one with its offset and fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipc-walcli-'));
  try {
    const bytes = readFileSync(SAMPLE);
    bytes[56] = (bytes[56] as number) ^ 0x01; // inside the CONFIG payload (offset 52..63); DATA follows
    writeFileSync(join(dir, 'ref$dq.wal'), bytes);
    const v = await runCli(['wal', 'verify', dir]);
    assert.equal(v.code, 2, 'a damaged log exits 2');
    assert.match(v.stdout, /CORRUPT/);
    assert.match(v.stdout, /corruption at offset 0 \(next valid record at 64\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
