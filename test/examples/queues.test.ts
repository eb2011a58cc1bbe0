/**
 * Runs the TypeScript twins of the seed's queue examples (05–07, 24, 25, 28–32) and compares
 * what they print with what the Java implementation printed for the Venice originals. Only
 * values that differ from run to run (ids, timestamps, temporary queue names) are normalised.
 */
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runExample } from '../helpers/run-example.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'seed-examples');

function normalise(text: string): string {
  return text
    .replace(/queue\/[0-9a-f-]{8,35}\.\.\. \(\d+\)/g, 'queue/<tmp>... (n)') // a temporary name cut by toString
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uuid>')
    .replace(/\b\d{13}\b/g, '<millis>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}/g, '<local-time>');
}

async function runAndRead(name: string): Promise<{ ours: string; java: string }> {
  const [r, java] = await Promise.all([runExample(name, { timeout: 15_000 }), readFile(join(FIXTURES, `${name}.out`), 'utf8')]);
  assert.equal(r.timedOut, false, `${name} timed out`);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  return { ours: r.stdout, java };
}

const EXACT = [
  '05-offer-and-poll',
  '06-offer-and-poll',
  '24-create-bounded-and-circular-queues',
  '25-create-bounded-and-circular-queues',
  '28-create-temporary-queues',
  '29-remove-queues',
  '30-check-if-a-queue-exists',
  '31-check-queue-status',
  '32-check-queue-status',
] as const;

describe('queue example twins print what the Java examples print', () => {
  for (const name of EXACT) {
    test(`${name} matches the Java output`, async () => {
      const { ours, java } = await runAndRead(name);
      assert.equal(normalise(ours), normalise(java));
    });
  }

  test('05 and 06: the polled message keeps the timestamp of the offer', async () => {
    for (const name of ['05-offer-and-poll', '06-offer-and-poll']) {
      const { ours } = await runAndRead(name);
      const [order, offered, polled] = [...ours.matchAll(/"timestamp": (\d+)/g)].map((m) => Number(m[1]));
      assert.ok(order !== undefined && offered !== undefined && polled !== undefined);
      assert.ok(polled >= order && polled <= offered, `${name}: ${order} <= ${polled} <= ${offered}`);
    }
  });

  // The barista runs concurrently with the clients, so (as in Java's own output) the order of
  // the printed blocks may vary; the blocks themselves must be the same.
  test('07-offer-and-poll: the barista confirms all three orders through the reply queues', async () => {
    const { ours, java } = await runAndRead('07-offer-and-poll');
    const blocks = (text: string): string[] => normalise(text).split(/\n(?=\()/).map((b) => b.trim()).sort();
    assert.deepEqual(blocks(ours), blocks(java));
    assert.equal((ours.match(/ORDER CONFIRMED/g) ?? []).length, 3);
    assert.ok(ours.startsWith('(barista) STARTED\n'));
  });
});
