/**
 * Runs the TypeScript twins of the seed's security examples (authentication 11–13,
 * compression 22, encryption 23) and compares their output with what the Java implementation
 * printed (`test/fixtures/seed-examples/NN-*.out`), ids and timestamps normalised.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadAuthenticator } from '../../src/index.js';
import { runExample, type ExampleResult } from '../helpers/run-example.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'seed-examples');
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;
const MILLIS = /\b\d{13}\b/g;

const javaOutput = (name: string): Promise<string> => readFile(join(FIXTURES, `${name}.out`), 'utf8');
const normalise = (text: string): string => text.replace(UUID, '<uuid>').replace(MILLIS, '<millis>');

async function run(name: string, cwd?: string): Promise<ExampleResult> {
  const r = await runExample(name, { cwd });
  assert.equal(r.timedOut, false, `${name} timed out`);
  assert.equal(r.stderr, '', `${name} stderr`);
  assert.equal(r.code, 0, `${name} exit code`);
  return r;
}

describe('security example twins print what the Java examples print', () => {
  for (const name of ['11-authentication', '22-compressing-messages', '23-encrypting-messages']) {
    test(`${name} matches the Java output`, async () => {
      const [r, java] = await Promise.all([run(name), javaOutput(name)]);
      assert.equal(normalise(r.stdout), normalise(java));
    });
  }

  test('11: the echoed response keeps the request timestamp', async () => {
    const r = await run('11-authentication');
    const [request, response, ...rest] = [...r.stdout.matchAll(MILLIS)].map((m) => m[0]);
    assert.equal(rest.length, 0);
    assert.equal(response, request);
  });

  test('12 stores a credentials file that 13 loads to log in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vipc-ex12-'));
    try {
      const stored = await run('12-authentication', dir);
      assert.equal(stored.stdout, await javaOutput('12-authentication')); // nothing printed
      const file = join(dir, 'ipc.cred');
      const text = await readFile(file, 'utf8');
      assert.match(text, /^#IPC user credentials\n#\w{3} \w{3} \d\d \d\d:\d\d:\d\d \w+ \d{4}\nap=[0-9a-f]{64}\\:\d{7}\ntf=[0-9a-f]{64}\\:\d{7}\n$/);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      const auth = await loadAuthenticator(file);
      assert.equal(await auth.verify('tf', '3-kio'), true);
      assert.equal(await auth.verify('ap', 'zu*67'), true);

      // 13: no handler on the server. Java answers OK + the error text; we answer
      // HANDLER_ERROR with the same text (SEMANTICS §17 #4). Nothing else differs.
      const [r, java] = await Promise.all([run('13-authentication', dir), javaOutput('13-authentication')]);
      assert.match(java, /:status :OK .*There is no handler defined for this server!/);
      assert.equal(normalise(r.stdout), normalise(java).replace(':status :OK', ':status :HANDLER_ERROR'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
