/**
 * Runs the TypeScript twins of seed examples 09 and 10 (publish/subscribe) and compares their
 * output with what the Java implementation printed. The SUBSCRIBED block is printed by the
 * subscriber's handler and PUBLISHED by the publisher; their order varies from run to run (it
 * differs between the two Java runs too), so the blocks are compared by label.
 */
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runExample } from '../helpers/run-example.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'seed-examples');
const MILLIS = /\b\d{13}\b/g;

/** Output blocks by label (PUBLISHING, PUBLISHED, SUBSCRIBED), timestamps masked. */
function blocks(out: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const part of out.split(/^(?=PUBLISHING:|PUBLISHED:|SUBSCRIBED:)/m)) {
    if (part.trim() === '') continue;
    result.set(part.slice(0, part.indexOf(':')), part.trim().replace(MILLIS, '<millis>'));
  }
  return result;
}

function timestampOf(out: string, label: string): number {
  const m = new RegExp(`^${label}: [\\s\\S]*?"timestamp": (\\d+)`, 'm').exec(out);
  return Number(m?.[1]);
}

for (const name of ['09-publish-and-subscribe', '10-publish-and-subscribe']) {
  test(`${name} prints what the Java example prints and the subscriber receives the message`, { timeout: 30_000 }, async () => {
    const [r, java] = await Promise.all([runExample(name), readFile(join(FIXTURES, `${name}.out`), 'utf8')]);
    assert.equal(r.timedOut, false);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    const ours = blocks(r.stdout);
    assert.deepEqual([...ours.keys()].sort(), ['PUBLISHED', 'PUBLISHING', 'SUBSCRIBED'], 'the subscriber printed the message');
    assert.deepEqual(ours, blocks(java));
    assert.equal(timestampOf(r.stdout, 'SUBSCRIBED'), timestampOf(r.stdout, 'PUBLISHING'), 'the push carries the publisher timestamp');
  });
}
