// The published package, as a user gets it: `npm pack` from a copy of the sources (no dist/, as in
// a fresh clone, so `prepack` must build), `npm install <tarball>` into an empty project, then the
// package is imported from ESM and CommonJS and its bin is run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** What a fresh clone has that the pack needs (dist/ deliberately not). */
const SOURCES = ['package.json', 'tsconfig.json', 'tsconfig.pack.json', 'README.md', 'LICENSE', 'docs', 'examples', 'src'];

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: readonly string[], cwd: string, timeout = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

function ok(r: Run, what: string): Run {
  assert.equal(r.code, 0, `${what} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Node ≥ 20.19 loads ES modules with require(); 20.17–20.18 behind a flag; older not at all. */
function requireEsmFlags(): string[] | undefined {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major > 20 || (major === 20 && minor >= 19)) return [];
  if (major === 20 && minor >= 17) return ['--experimental-require-module'];
  return undefined;
}

/** Local link targets (`](path)`) of a markdown file, without anchors. */
function localLinks(md: string): string[] {
  const out: string[] = [];
  for (const m of md.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
    const target = m[1] as string;
    if (!/^[a-z]+:/i.test(target)) out.push(target);
  }
  return out;
}

test('npm pack builds the package; it installs, imports from ESM and CommonJS, and its bin runs', async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'vipc-pack-'));
  t.after(() => rm(tmp, { recursive: true, force: true }));
  const pkg = join(tmp, 'pkg');
  await mkdir(pkg);
  for (const f of SOURCES) await cp(join(ROOT, f), join(pkg, f), { recursive: true });
  await symlink(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir'); // tsc for prepack

  const packed = ok(await run('npm', ['pack', '--json', '--pack-destination', tmp], pkg), 'npm pack');
  const info = (JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>)[0];
  assert.ok(info !== undefined, 'npm pack --json describes the tarball');
  const files = new Set(info.files.map((f) => f.path));
  for (const f of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'README.md', 'LICENSE', 'docs/errors.md', 'examples/README.md']) {
    assert.ok(files.has(f), `the tarball holds ${f}`);
  }
  const stray = [...files].filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('dist/test/') || f.includes('node_modules'));
  assert.deepEqual(stray, [], 'no source maps, sources or tests in the tarball');
  const js = await readFile(join(pkg, 'dist/src/index.js'), 'utf8');
  assert.ok(!js.includes('sourceMappingURL'), 'the published build points at no source map');
  // Every local link of the README (docs, examples) and of the examples' README resolves inside the tarball.
  for (const [doc, dir] of [['README.md', ''], ['examples/README.md', 'examples/']] as const) {
    for (const link of localLinks(await readFile(join(pkg, doc), 'utf8'))) {
      const target = (dir + link).replace(/\/$/, '');
      const found = files.has(target) || [...files].some((f) => f.startsWith(target + '/'));
      assert.ok(found, `${doc} links ${link}, which the tarball holds`);
    }
  }
  const license = await readFile(join(pkg, 'LICENSE'), 'utf8');
  assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
  assert.match(license, /END OF TERMS AND CONDITIONS/);

  const app = join(tmp, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  ok(await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(tmp, info.filename)], app, 120_000), 'npm install');

  // ESM: a real round trip through the installed package.
  await writeFile(
    join(app, 'esm.mjs'),
    [
      "import { connect, createServer, plainTextMessage } from 'venice-ipc';",
      'const server = await createServer({ port: 0, handler: (m) => m });',
      'const client = await connect({ uri: server.uri });',
      "const res = await client.send(plainTextMessage('1', 'test', 'hello from esm'));",
      'console.log(res.text);',
      'await client.close();',
      'await server.close();',
    ].join('\n'),
  );
  assert.equal(ok(await run(process.execPath, ['esm.mjs'], app), 'ESM import').stdout.trim(), 'hello from esm');

  // CommonJS: require(esm) where this Node has it (docs/operations.md, "Installing").
  await writeFile(join(app, 'cjs.cjs'), "const v = require('venice-ipc');\nconsole.log(typeof v.createServer, typeof v.connect);\n");
  const flags = requireEsmFlags();
  const cjs = await run(process.execPath, [...(flags ?? []), 'cjs.cjs'], app);
  if (flags === undefined) {
    assert.match(cjs.stderr, /ERR_REQUIRE_ESM/, 'Node < 20.17 cannot require an ES module');
  } else {
    assert.equal(ok(cjs, 'CommonJS require').stdout.trim(), 'function function');
  }

  // The installed bin.
  const version = (JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const bin = ok(await run(join(app, 'node_modules', '.bin', 'venice-ipc'), ['--version'], app), 'venice-ipc --version');
  assert.equal(bin.stdout.trim(), version);
});
