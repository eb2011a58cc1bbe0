import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createAuthenticator, createServer, plainTextMessage } from '../../src/index.js';
// eslint-disable-next-line no-restricted-imports -- the CLI's own tests read its tables
import { COMMANDS } from '../../src/cli/commands.js';
// eslint-disable-next-line no-restricted-imports -- the CLI's own tests read its tables
import { closest, EXIT, HELP_OPTION, parseCommandLine, type Command } from '../../src/cli/command.js';
import { runCli, type CliResult } from '../helpers/cli.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Every command and subcommand with its path. */
function allCommands(table: readonly Command[] = COMMANDS, prefix: string[] = []): { path: string[]; cmd: Command }[] {
  return table.flatMap((cmd) => [{ path: [...prefix, cmd.name], cmd }, ...allCommands(cmd.subcommands ?? [], [...prefix, cmd.name])]);
}

/** Runs the CLI once per argument list, at most 4 at a time. */
async function runAll(argLists: readonly string[][]): Promise<CliResult[]> {
  const results: CliResult[] = new Array<CliResult>(argLists.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < argLists.length) {
      const i = next++;
      results[i] = await runCli(argLists[i] as string[], { timeoutMs: 30_000 });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return results;
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** The environment without the CLI's variables, plus `extra`. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['VENICE_IPC_URI', 'VENICE_IPC_USER', 'VENICE_IPC_PASSWORD']) delete env[k];
  return { ...env, ...extra };
}

test('--help of every command and subcommand exits 0 and lists every option of its table', { timeout: 60_000 }, async () => {
  const all = allCommands();
  assert.ok(all.length >= 15, `only ${all.length} commands`);
  const results = await runAll(all.map(({ path }) => [...path, '--help']));
  all.forEach(({ path, cmd }, i) => {
    const r = results[i] as CliResult;
    assert.equal(r.code, 0, `${path.join(' ')} --help: ${r.stderr}`);
    assert.equal(r.stdout.split('\n')[0], `venice-ipc ${path.join(' ')}: ${cmd.summary}`);
    for (const o of [...(cmd.options ?? []), HELP_OPTION]) {
      assert.ok(r.stdout.includes(`--${o.name}`) && r.stdout.includes(o.description), `${path.join(' ')} --help lacks --${o.name}`);
    }
    for (const s of cmd.subcommands ?? []) assert.ok(r.stdout.includes(`  ${s.name}`), `${path.join(' ')} --help lacks ${s.name}`);
  });
  const [short, top, help, none, helpOf] = await runAll([['poll', '-h'], ['--help'], ['help'], [], ['help', 'queue', 'status']]);
  assert.equal(short?.code, 0);
  assert.match(short!.stdout, /^venice-ipc poll: /);
  for (const r of [top!, help!]) {
    assert.equal(r.code, 0);
    for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${c.name} `, 'm'));
    assert.match(r.stdout, /^  64 +bad command line/m);
  }
  assert.equal(none?.code, EXIT.USAGE);
  assert.match(none!.stderr, /^usage: venice-ipc <command>/m);
  assert.equal(helpOf?.code, 0);
  assert.match(helpOf!.stdout, /^venice-ipc queue status: /);
});

test('--version and version print the version of package.json', async () => {
  const [a, b, c] = await runAll([['--version'], ['version'], ['version', '--json']]);
  assert.equal(a?.code, 0);
  assert.equal(a?.stdout, `${PACKAGE_VERSION}\n`);
  assert.equal(b?.stdout, `${PACKAGE_VERSION}\n`);
  assert.deepEqual(JSON.parse(c!.stdout), { version: PACKAGE_VERSION });
});

test('a misspelled command, subcommand or flag gets a suggestion and exit 64', async () => {
  const cases: [string[], RegExp][] = [
    [['sedn', '--text', 'x'], /unknown command 'sedn' \(did you mean 'send'\?\)/],
    [['subscibe', 'news'], /did you mean 'subscribe'/],
    [['send', '--prot', '1', '--text', 'x'], /unknown option '--prot' \(did you mean '--port'\?\)/],
    [['poll', 'q', '--cuont', '2'], /did you mean '--count'/],
    [['queue', 'stauts', 'q'], /unknown subcommand 'stauts' \(did you mean 'status'\?\)/],
    [['--verison'], /did you mean '--version'/],
    [['bench', '--in-fligt', '2'], /did you mean '--in-flight'/],
  ];
  const results = await runAll(cases.map(([args]) => args));
  cases.forEach(([args, re], i) => {
    const r = results[i] as CliResult;
    assert.equal(r.code, EXIT.USAGE, args.join(' '));
    assert.match(r.stderr, re);
    assert.equal(r.stdout, '');
  });
  assert.equal(closest('zzzzzz', ['send', 'poll']), undefined, 'no far-fetched suggestion');
});

test('the parser: --name=value, repeated flags, -- and values that look like flags', () => {
  const opts = [
    { name: 'a', type: 'string', description: 'x' },
    { name: 'b', type: 'boolean', description: 'x' },
    { name: 'q', type: 'string', multiple: true, description: 'x' },
  ] as const;
  const p = parseCommandLine(['--a=1', 'pos', '--b', '--q', 'x', '--q', '-y', '--a', '-1', '--', '--b'], opts);
  assert.deepEqual(p, { values: { a: '-1', b: true, q: ['x', '-y'] }, positionals: ['pos', '--b'], help: false });
  assert.equal(parseCommandLine(['--a', '--help'], opts).values['a'], '--help', 'a string flag takes the next argument');
  assert.equal(parseCommandLine(['-h', '--nope'], opts).help, true);
  assert.throws(() => parseCommandLine(['--b=1'], opts), /--b takes no value/);
  assert.throws(() => parseCommandLine(['--a'], opts), /--a needs a value/);
});

test('exit codes: 64 for bad ports and values, 1 for failures, 2 for empty or missing', { timeout: 60_000 }, async () => {
  await using server = await createServer({ port: 0 });
  await server.createQueue('q', { capacity: 2 });
  const uri = server.uri;
  const dead = await closedPort();
  const [badPort, badServePort, badUri, badInt, refused, status, exists, poll, ok] = await runAll([
    ['send', '--port', '99999', '--text', 'x'],
    ['serve', '--port', '70000'],
    ['send', '--uri', 'bogus', '--text', 'x'],
    ['poll', 'q', '--uri', uri, '--count', 'many'],
    ['send', '--port', String(dead), '--text', 'x'],
    ['queue', 'status', 'missing', '--uri', uri],
    ['queue', 'exists', 'missing', '--uri', uri, '--json'],
    ['poll', 'q', '--uri', uri],
    ['queue', 'status', 'q', '--uri', uri],
  ]);
  for (const r of [badPort, badServePort, badUri, badInt]) {
    assert.equal(r?.code, EXIT.USAGE, r?.stderr);
    assert.match(r!.stderr, /^usage: venice-ipc /m);
  }
  assert.match(badPort!.stderr, /--port expects a port from 1 to 65535, got 99999/);
  assert.match(badServePort!.stderr, /--port expects a port from 0 to 65535/);
  assert.match(badUri!.stderr, /VIPC_ERR_INVALID_URI/);
  assert.equal(refused?.code, EXIT.FAILURE);
  assert.match(refused!.stderr, /VIPC_ERR_CONNECT_FAILED/);
  assert.equal(status?.code, EXIT.EMPTY);
  assert.equal((JSON.parse(status!.stdout) as { exists: boolean }).exists, false);
  assert.equal(exists?.code, EXIT.EMPTY);
  assert.deepEqual(JSON.parse(exists!.stdout), { name: 'missing', exists: false });
  assert.equal(poll?.code, EXIT.EMPTY);
  assert.equal(ok?.code, EXIT.OK);
});

test('--json prints one parseable document per result and NDJSON for streams', { timeout: 60_000 }, async () => {
  await using server = await createServer({ port: 0 });
  await server.createQueue('q', { capacity: 5 });
  await using client = await connect({ uri: server.uri });
  for (const t of ['one', 'two', 'three']) await client.offer('q', plainTextMessage(null, 'test', t));
  const dir = mkdtempSync(join(tmpdir(), 'vipc-cli-json-'));
  try {
    const status = await runCli(['queue', 'status', 'q', '--uri', server.uri, '--json']); // before the poll empties the queue
    const [poll, verify] = await runAll([
      ['poll', 'q', '--uri', server.uri, '--count', '3', '--json'],
      ['wal', 'verify', dir, '--json'],
    ]);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(status.stdout.split('\n').length, 2, 'one line');
    assert.deepEqual(JSON.parse(status.stdout), { name: 'q', exists: true, type: 'BOUNDED', temporary: false, durable: false, capacity: 5, size: 3 });
    assert.equal(poll?.code, 0, poll?.stderr);
    const lines = poll!.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { text: string }).text), ['one', 'two', 'three']);
    assert.equal(verify?.code, 0, verify?.stderr);
    assert.deepEqual(JSON.parse(verify!.stdout), { ok: true, logs: [] });
    const added = await runCli(['credentials', 'add', join(dir, 'c.cred'), 'tom', '--json'], { input: 'pw\n' });
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual(JSON.parse(added.stdout), { file: join(dir, 'c.cred'), user: 'tom', action: 'added', format: 'venice' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--file - reads the payload from stdin (send, offer, publish)', { timeout: 60_000 }, async () => {
  await using server = await createServer({ port: 0, handler: (m) => m });
  await server.createQueue('q', { capacity: 5 });
  const bytes = 'from stdin\n\u00e9';
  const sent = await runCli(['send', '--uri', server.uri, '--file', '-', '--mimetype', 'application/x-test'], { input: bytes });
  assert.equal(sent.code, 0, sent.stderr);
  const res = JSON.parse(sent.stdout) as { mimetype: string; data: string };
  assert.equal(res.mimetype, 'application/x-test');
  assert.equal(Buffer.from(res.data, 'base64').toString('utf8'), bytes);
  const offered = await runCli(['offer', 'q', '--uri', server.uri, '--file', '-'], { input: 'queued' });
  assert.equal(offered.code, 0, offered.stderr);
  await using client = await connect({ uri: server.uri });
  const polled = await client.poll('q');
  assert.equal(polled.data.toString('utf8'), 'queued');
  const published = await runCli(['publish', 'news', '--uri', server.uri, '--file', '-'], { input: '' });
  assert.equal(published.code, 0, published.stderr);
});

test('VENICE_IPC_URI, VENICE_IPC_USER and VENICE_IPC_PASSWORD are defaults; flags win', { timeout: 60_000 }, async () => {
  const authenticator = await createAuthenticator({ tom: 'secret', ann: 'other' });
  await using server = await createServer({ port: 0, encrypt: true, authenticator, handler: (m) => m });
  const env = cleanEnv({ VENICE_IPC_URI: server.uri, VENICE_IPC_USER: 'tom', VENICE_IPC_PASSWORD: 'secret' });
  const ok = await runCli(['send', '--encrypt', '--text', 'hi'], { env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout) as { text: string }).text, 'hi');
  const exists = await runCli(['queue', 'exists', 'none', '--encrypt'], { env });
  assert.equal(exists.stdout, 'false\n', exists.stderr);
  const otherUser = await runCli(['send', '--encrypt', '--text', 'hi', '--user', 'ann'], { env });
  assert.equal(otherUser.code, EXIT.FAILURE, 'the flag user with the environment password fails');
  assert.match(otherUser.stderr, /VIPC_ERR_AUTH_FAILED/);
  const flagPassword = await runCli(['send', '--encrypt', '--text', 'hi', '--user', 'ann', '--password', 'other'], { env });
  assert.equal(flagPassword.code, 0, flagPassword.stderr);
  const dead = await closedPort();
  const flagPort = await runCli(['send', '--encrypt', '--text', 'hi', '--port', String(dead)], { env });
  assert.equal(flagPort.code, EXIT.FAILURE, '--port wins over VENICE_IPC_URI');
  assert.match(flagPort.stderr, /VIPC_ERR_CONNECT_FAILED/);
  const noPassword = await runCli(['send', '--text', 'hi'], { env: cleanEnv({ VENICE_IPC_URI: server.uri, VENICE_IPC_USER: 'tom' }) });
  assert.equal(noPassword.code, EXIT.USAGE);
  assert.match(noPassword.stderr, /user 'tom' needs a password/);
});

test('bench --progress prints progress lines on stderr and keeps --json stdout clean', { timeout: 60_000 }, async () => {
  const r = await runCli(['bench', '--own-server', '--duration', '2.5', '--size', '16', '--progress', '--json'], { timeoutMs: 45_000 });
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { messageCount: number };
  assert.ok(result.messageCount > 0);
  assert.match(r.stderr, /^bench: \d+ s of 3 s, \d+ messages, \d+ msg\/s$/m);
  const quiet = await runCli(['bench', '--own-server', '--duration', '0.2', '--size', '16'], { timeoutMs: 45_000 });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '', 'no progress when stderr is not a terminal');
  assert.match(quiet.stdout, /^Messages: +\d+/);
});
