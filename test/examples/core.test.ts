/**
 * Runs the TypeScript twins of the seed examples (send/receive and message utilities) and
 * compares what they print with what the Java implementation printed for the Venice original
 * (`test/fixtures/seed-examples/NN-*.out`). Only values that differ from run to run (message
 * ids, timestamps, Java object ids) are normalised; everything else must match exactly.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runExample, type ExampleResult } from '../helpers/run-example.js';

// Compiled to dist/test/examples; the fixtures stay in the source tree.
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'seed-examples');

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;
const MILLIS = /\b\d{13}\b/g; // epoch milliseconds (2001 … 2286)

function javaOutput(name: string): Promise<string> {
  return readFile(join(FIXTURES, `${name}.out`), 'utf8');
}

/** Replaces message ids and timestamps by placeholders. */
function normalise(text: string): string {
  return text.replace(UUID, '<uuid>').replace(MILLIS, '<millis>');
}

function timestamps(text: string): number[] {
  return [...text.matchAll(MILLIS)].map((m) => Number(m[0]));
}

/** Runs an example and checks that it ended normally within its time bound. */
async function run(name: string, args?: readonly string[], cwd?: string): Promise<ExampleResult> {
  const started = Date.now();
  const r = await runExample(name, { args, cwd });
  const ended = Date.now();
  assert.equal(r.timedOut, false, `${name} timed out`);
  // Every timestamp printed must come from this run (not a constant or a stale value).
  for (const t of timestamps(r.stdout)) assert.ok(t >= started - 1000 && t <= ended, `${name}: timestamp ${t} outside the run`);
  return r;
}

/** Twins whose output equals Java's up to ids and timestamps. */
const EXACT = [
  '01-send-and-receive',
  '02-send-and-receive',
  '03-send-and-receive',
  '04-send-and-receive',
  '14-1-plain-text-messages',
  '15-2-text-messages',
  '16-2-text-messages',
  '17-3-binary-messages',
  '19-4-venice-data-messages',
  '33-accessing-message-fields',
  '34-accessing-message-fields',
  '35-accessing-message-fields',
  '36-convert-message-to-json',
  '37-convert-message-to-venice-map',
  '38-check-message-response-status-ok',
  '39-check-message-response-status-error',
  '40-check-message-expiration',
] as const;

describe('seed example twins print what the Java examples print', () => {
  for (const name of EXACT) {
    test(`${name} matches the Java output`, async () => {
      const [r, java] = await Promise.all([run(name), javaOutput(name)]);
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      assert.equal(normalise(r.stdout), normalise(java));
      // The same number of ids and timestamps in the same places.
      assert.equal(timestamps(r.stdout).length, timestamps(java).length);
    });
  }

  test('01 and 03: an echoed response keeps the request timestamp', async () => {
    for (const name of ['01-send-and-receive', '03-send-and-receive']) {
      const r = await run(name);
      const [request, response, ...rest] = timestamps(r.stdout);
      assert.equal(rest.length, 0);
      assert.equal(response, request, name);
    }
  });

  test('33–35: the message id is a UUID', async () => {
    for (const name of ['33-accessing-message-fields', '34-accessing-message-fields', '35-accessing-message-fields']) {
      const r = await run(name);
      assert.match(r.stdout.split('\n')[0] ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });
});

describe('seed example twins that differ from Java on purpose', () => {
  // Java's example 18 reads ./test.pdf, which did not exist, and died with a VncException.
  // The twin takes the path as an argument (default ./test.pdf) and reports the same error
  // text on stderr with exit code 1 instead of a Java stack trace.
  test('18 reports a missing file with the same message as Java', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vipc-ex18-'));
    try {
      const [r, java] = await Promise.all([run('18-3-binary-messages', [], dir), javaOutput('18-3-binary-messages')]);
      assert.match(java, /VncException: No such file: 'test\.pdf'/);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, "No such file: 'test.pdf'\n");
      assert.equal(r.code, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('18 prints a binary message holding the file given on the command line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vipc-ex18-'));
    try {
      const pdf = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1');
      const file = join(dir, 'test.pdf');
      await writeFile(file, pdf);
      const r = await run('18-3-binary-messages', [file]);
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      // Same shape as example 17 (a binary message printed as pretty JSON).
      const expected = normalise(await javaOutput('17-3-binary-messages'))
        .replace('application/octet-stream', 'application/pdf')
        .replace('AAECAwQFBgc=', pdf.toString('base64'));
      assert.equal(normalise(r.stdout), expected);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // Java printed the server object's identity (`TcpServer@146044d7`), which says nothing; the
  // twins print whether the server runs and the limit that the size string resolved to.
  const sizes = [
    ['20-message-size-limit', '100MB', 100 * 1024 * 1024],
    ['21-message-size-limit', '200KB', 200 * 1024],
  ] as const;
  for (const [name, size, bytes] of sizes) {
    test(`${name} prints the server's maximum message size (${size})`, async () => {
      const [r, java] = await Promise.all([run(name), javaOutput(name)]);
      assert.match(java, /^com\.github\.jlangch\.venice\.util\.ipc\.TcpServer@[0-9a-f]+\n$/);
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `server running: true\nmax message size: ${size} (${bytes} bytes)\n`);
    });
  }
});
