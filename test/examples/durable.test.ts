/**
 * Runs the TypeScript twins of the seed's durable-queue examples (08, 26, 27) and compares what
 * they print with what the Java implementation printed for the Venice originals (ids and local
 * times normalised). Each runs with TMPDIR set to a fresh directory, to check that it removes
 * the WAL directory it created.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runExample } from '../helpers/run-example.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'seed-examples');

function normalise(text: string): string {
  return text
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uuid>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}/g, '<local-time>');
}

for (const name of ['08-offer-and-poll-with-durable-queues', '26-create-bounded-durable-queues', '27-create-bounded-durable-queues']) {
  test(`${name} matches the Java output and leaves no WAL directory behind`, async (t) => {
    const tmp = await mkdtemp(join(tmpdir(), 'vipc-example-'));
    t.after(() => rm(tmp, { recursive: true, force: true }));
    const [r, java] = await Promise.all([runExample(name, { timeout: 15_000, env: { TMPDIR: tmp } }), readFile(join(FIXTURES, `${name}.out`), 'utf8')]);
    assert.equal(r.timedOut, false, `${name} timed out`);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(normalise(r.stdout), normalise(java));
    assert.deepEqual(await readdir(tmp), []);
  });
}
