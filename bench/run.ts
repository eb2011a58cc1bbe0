/**
 * The benchmark orchestrator (`npm run bench`). Finds every section in `bench/sections/`,
 * runs them (or those named by `--only`), prints their markdown on stdout, progress on
 * stderr, and writes `bench/results/latest.json`.
 *
 *   npm run bench -- [--only NAME[,NAME]] [--list] [--seconds S] [--warmup S] [--quick]
 *                    [--cpu-prof] [--set key=value ...]
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { cleanupNow, installCleanupHandlers } from './lib/cleanup.js';
import { BENCH_DIR, createContext, type BenchSection, type BenchSettings } from './lib/harness.js';

function isSection(v: unknown): v is BenchSection {
  const s = v as Partial<BenchSection> | undefined;
  return typeof s === 'object' && s !== null && typeof s.name === 'string' && typeof s.run === 'function';
}

/** Loads every `sections/*.js` exporting `section`. */
async function loadSections(): Promise<BenchSection[]> {
  const dir = join(BENCH_DIR, 'sections');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.js')).sort();
  const found: BenchSection[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { section?: unknown };
    if (isSection(mod.section)) found.push(mod.section);
  }
  return found.sort((a, b) => (a.order ?? 100) - (b.order ?? 100) || a.name.localeCompare(b.name));
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      list: { type: 'boolean' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      quick: { type: 'boolean' },
      'cpu-prof': { type: 'boolean' },
      set: { type: 'string', multiple: true },
    },
    strict: true,
  });
  installCleanupHandlers(); // children killed and temp paths removed on exit, failure or Ctrl-C
  const sections = await loadSections();
  if (values.list === true) {
    for (const s of sections) process.stdout.write(`${s.name}\t${s.description}\n`);
    return 0;
  }
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((n) => !sections.some((s) => s.name === n)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`unknown section(s): ${unknown.join(', ')}; known: ${sections.map((s) => s.name).join(', ')}\n`);
    return 64;
  }
  const resultsDir = join(BENCH_DIR, '..', '..', 'bench', 'results');
  const quick = values.quick === true;
  const extra = new Map<string, string>();
  for (const kv of values.set ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) extra.set(kv.slice(0, i), kv.slice(i + 1));
  }
  const settings: BenchSettings = {
    seconds: Number(values.seconds ?? (quick ? 0.5 : 1)),
    warmupSeconds: Number(values.warmup ?? (quick ? 0.2 : 0.4)),
    quick,
    nodeArgs: values['cpu-prof'] === true ? ['--cpu-prof', `--cpu-prof-dir=${join(resultsDir, 'prof')}`] : [],
    extra,
  };
  const ctx = createContext(settings);
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
  const started = new Date();
  const fmtLoad = (l: number[]): string => l.map((x) => x.toFixed(2)).join(', ');
  const loadStart = loadavg();
  process.stdout.write(
    `# venice-ipc benchmark\n\n${started.toISOString()} · ${machine.cpus} × ${machine.cpuModel} · ${machine.memoryGiB} GiB · ` +
      `Node ${machine.node} · ${machine.platform} · load average at start ${fmtLoad(loadStart)}\n\n`,
  );
  const results: Record<string, unknown> = {};
  const timings: Record<string, number> = {};
  let failed = 0;
  for (const s of sections) {
    if (only !== undefined && !only.includes(s.name)) continue;
    ctx.progress(`section ${s.name}: ${s.description}`);
    const t0 = Date.now();
    try {
      const r = await s.run(ctx);
      results[s.name] = r.data;
      timings[s.name] = (Date.now() - t0) / 1000;
      process.stdout.write(`## ${s.name}\n\n${s.description}\n\n${r.markdown}\n\n*Section time ${timings[s.name]?.toFixed(0)} s.*\n\n`);
    } catch (err) {
      failed++;
      timings[s.name] = (Date.now() - t0) / 1000;
      const msg = err instanceof Error ? err.message : String(err);
      results[s.name] = { error: msg };
      process.stderr.write(`[bench] section ${s.name} failed: ${msg}\n`);
      process.stdout.write(`## ${s.name}\n\nFAILED: ${msg}\n\n`);
    } finally {
      cleanupNow(); // whatever the section left running or on disk
    }
  }
  const totalSeconds = (Date.now() - started.getTime()) / 1000;
  const loadEnd = loadavg();
  process.stdout.write(`*Total ${Math.floor(totalSeconds / 60)} min ${Math.round(totalSeconds % 60)} s; load average at end ${fmtLoad(loadEnd)}.*\n`);
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, 'latest.json');
  await writeFile(file, JSON.stringify(
      {
        started: started.toISOString(),
        machine,
        load: { start: loadStart, end: loadEnd },
        totalSeconds,
        sectionSeconds: timings,
        settings: { ...settings, extra: Object.fromEntries(extra) },
        results,
      },
      null,
      2,
    ) + '\n');
  ctx.progress(`results written to ${file}`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
