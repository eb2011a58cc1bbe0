import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Output blocks by label, timestamps masked (they differ from run to run). */
function blocks(out: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const part of out.split(/^(?=PUBLISHING:|PUBLISHED:|SUBSCRIBED:)/m)) {
    const label = part.slice(0, part.indexOf(':'));
    result[label] = part.trim().replace(/"timestamp": \d+/g, '"timestamp": T');
  }
  return result;
}

const examples = [
  { file: '09-publish-and-subscribe.js', seed: 'seed-09-publish-and-subscribe.out' },
  { file: '10-publish-and-subscribe-async.js', seed: 'seed-10-publish-and-subscribe.out' },
];

for (const ex of examples) {
  test(`example ${ex.file} prints what the Venice example prints and the subscriber receives the message`, { timeout: 30_000 }, async () => {
    const path = fileURLToPath(new URL(`../../examples/${ex.file}`, import.meta.url));
    const { stdout } = await run(process.execPath, [path], { timeout: 20_000 });
    const ours = blocks(stdout);
    const venice = blocks(readFileSync(new URL(`../../../test/fixtures/${ex.seed}`, import.meta.url), 'utf8'));
    assert.deepEqual(Object.keys(ours).sort(), ['PUBLISHED', 'PUBLISHING', 'SUBSCRIBED']);
    assert.deepEqual(ours, venice);
    const pushed = /SUBSCRIBED: ([\s\S]*?\n})/.exec(stdout)?.[1] ?? '{}';
    const publishing = /PUBLISHING: ([\s\S]*?\n})/.exec(stdout)?.[1] ?? '{}';
    assert.equal((JSON.parse(pushed) as { timestamp: number }).timestamp, (JSON.parse(publishing) as { timestamp: number }).timestamp, 'the push carries the publisher timestamp');
  });
}
