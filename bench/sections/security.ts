/**
 * Request/response with encryption and compression next to the plain figure of the same run:
 * a client sends REQUESTs of S bytes (JSON-like text that GZIP shrinks about 4×), an echo
 * server in a child process answers each with the same payload. Variants: plain, encrypted
 * (server `encrypt`), compressed (server cutoff 0: every payload in both directions), both.
 * Target (issue 5): encrypted ≥ 0.5× plain at 5 KB.
 *
 * The `security` section of `npm run bench` (`--only security`); also standalone:
 *
 *   npm run build && node dist/bench/sections/security.js [--seconds S] [--quick]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect, createServer, textMessage, type ServerOptions } from '../../src/index.js';
import { installCleanupHandlers, trackChild } from '../lib/cleanup.js';
import type { BenchContext, BenchSection, SectionResult } from '../lib/harness.js';

const VARIANTS = {
  plain: {},
  encrypted: { encrypt: true },
  compressed: { compressCutoffSize: 0 },
  'encrypted+compressed': { encrypt: true, compressCutoffSize: 0 },
} as const satisfies Record<string, Partial<ServerOptions>>;
type Variant = keyof typeof VARIANTS;

const SIZES = [5 * 1024, 500 * 1024];
const IN_FLIGHT = [1, 16];

/** Message-like text: JSON records with repeated keys and random values. */
function textPayload(size: number): string {
  let s = '';
  for (let i = 0; s.length < size; i++) {
    s += `{"id":${i},"name":"user-${randomBytes(4).toString('hex')}","amount":${(i * 7.31) % 1000},"tags":["a","b"]},`;
  }
  return s.slice(0, size);
}

/** Child mode: an echo server for one variant; prints its URI, stops on stdin EOF. */
async function serve(variant: Variant): Promise<void> {
  const server = await createServer({ port: 0, handler: (m) => m, maxMessageSize: '20MB', ...VARIANTS[variant] });
  process.stdout.write(`${server.uri}\n`);
  process.stdin.resume();
  await new Promise((r) => process.stdin.once('end', r));
  await server.close();
}

async function startServer(variant: Variant): Promise<{ uri: string; stop(): Promise<void> }> {
  const child = trackChild(spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', variant], { stdio: ['pipe', 'pipe', 'inherit'] }));
  child.stdin.on('error', () => undefined);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const uri = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`${variant} server exited with ${code}`)));
  });
  return {
    uri,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

interface Figure {
  readonly msgsPerSec: number;
  readonly mbPerSec: number;
}

/** Runs `inFlight` request loops for `seconds` after a warm-up and counts round trips. */
async function measure(uri: string, encrypt: boolean, size: number, inFlight: number, seconds: number): Promise<Figure> {
  const client = await connect({ uri, timeout: 60_000 });
  try {
    if (client.encrypted !== encrypt) throw new Error('unexpected encryption state');
    const msg = textMessage('1', 'bench', 'text/plain', 'UTF-8', textPayload(size));
    let count = 0;
    let stopAt = 0;
    const loop = async (): Promise<void> => {
      while (performance.now() < stopAt) {
        const res = await client.send(msg);
        if (res.data.length !== size) throw new Error('bad echo');
        count++;
      }
    };
    stopAt = performance.now() + Math.min(1000, seconds * 250);
    await Promise.all(Array.from({ length: inFlight }, loop)); // warm-up
    count = 0;
    const start = performance.now();
    stopAt = start + seconds * 1000;
    await Promise.all(Array.from({ length: inFlight }, loop));
    const elapsed = (performance.now() - start) / 1000;
    return { msgsPerSec: count / elapsed, mbPerSec: (count * size * 2) / elapsed / 1e6 };
  } finally {
    await client.close();
  }
}

/** What {@link runSecurityBench} measures. */
export interface SecurityBenchOptions {
  /** Measured seconds per cell, split over its rounds. */
  readonly seconds: number;
  /** Rounds per cell: the variants take turns, so that load from elsewhere hits all of them alike. */
  readonly rounds?: number;
  readonly sizes?: readonly number[];
  readonly inFlights?: readonly number[];
  readonly progress?: (line: string) => void;
}

/** One figure of the table. */
export interface SecurityRow {
  readonly variant: Variant;
  readonly size: number;
  readonly inFlight: number;
  /** Median of the rounds. */
  readonly msgsPerSec: number;
  /** Both directions. */
  readonly mbPerSec: number;
  /** msgsPerSec / plain's msgsPerSec in the same cell. */
  readonly ratioToPlain: number;
  readonly rounds: readonly number[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/**
 * Measures every variant × size × in-flight cell. All servers run at once and, within a cell,
 * the variants alternate for `rounds` rounds (default 3); each figure is the median of its rounds.
 */
export async function runSecurityBench(o: SecurityBenchOptions): Promise<SecurityRow[]> {
  const rounds = o.rounds ?? 3;
  const progress = o.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const rows: SecurityRow[] = [];
  const variants = Object.keys(VARIANTS) as Variant[];
  const servers: { uri: string; stop(): Promise<void> }[] = [];
  try {
    for (const v of variants) servers.push(await startServer(v));
    for (const size of o.sizes ?? SIZES) {
      for (const inFlight of o.inFlights ?? IN_FLIGHT) {
        const figs = new Map<Variant, Figure[]>(variants.map((v) => [v, []]));
        for (let r = 0; r < rounds; r++) {
          progress(`security: ${size / 1024} KB × ${inFlight} in flight: round ${r + 1}/${rounds}`);
          for (let i = 0; i < variants.length; i++) {
            const v = variants[i] as Variant;
            const f = await measure((servers[i] as { uri: string }).uri, 'encrypt' in VARIANTS[v], size, inFlight, o.seconds / rounds);
            figs.get(v)?.push(f);
          }
        }
        const plain = median((figs.get('plain') ?? []).map((x) => x.msgsPerSec));
        for (const v of variants) {
          const fs = figs.get(v) ?? [];
          const msgsPerSec = median(fs.map((x) => x.msgsPerSec));
          rows.push({
            variant: v,
            size,
            inFlight,
            msgsPerSec,
            mbPerSec: median(fs.map((x) => x.mbPerSec)),
            ratioToPlain: plain > 0 ? msgsPerSec / plain : 0,
            rounds: fs.map((x) => x.msgsPerSec),
          });
          progress(`security:   ${v} ${size / 1024} KB ×${inFlight}: ${msgsPerSec.toFixed(0)} msg/s (${(plain > 0 ? msgsPerSec / plain : 0).toFixed(2)}× plain)`);
        }
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  return rows;
}

/** The encrypted/plain ratio at 5 KB, 1 in flight (the target of issue 5), if measured. */
export function encryptedTarget(rows: readonly SecurityRow[]): { ratio: number; met: boolean } | undefined {
  const enc = rows.find((r) => r.variant === 'encrypted' && r.size === 5 * 1024 && r.inFlight === 1);
  return enc === undefined ? undefined : { ratio: enc.ratioToPlain, met: enc.ratioToPlain >= 0.5 };
}

/** The markdown table: msgs/s, MB/s (both directions) and the ratio to plain. */
export function formatTable(rows: readonly SecurityRow[]): string {
  const lines = ['| variant | size | in flight | msg/s | MB/s (both ways) | × plain |', '| :-- | --: | --: | --: | --: | --: |'];
  for (const r of rows) {
    const ratio = r.variant === 'plain' ? '1.00×' : `**${r.ratioToPlain.toFixed(2)}×**`;
    lines.push(`| ${r.variant} | ${r.size / 1024} KB | ${r.inFlight} | ${r.msgsPerSec.toFixed(0)} | ${r.mbPerSec.toFixed(1)} | ${ratio} |`);
  }
  const t = encryptedTarget(rows);
  if (t !== undefined) {
    lines.push('', `Target encrypted ≥ 0.5× plain at 5 KB (1 in flight): **${t.ratio.toFixed(2)}×** — ${t.met ? 'met' : 'NOT met ✗'}`);
  }
  return lines.join('\n');
}

async function run(ctx: BenchContext): Promise<SectionResult> {
  const { quick, extra } = ctx.settings;
  // Cells are split into rounds: 2 × --seconds per cell (default 2 s: 3 rounds of 0.67 s after a 0.17 s warm-up).
  const seconds = Number(extra.get('security-seconds') ?? ctx.settings.seconds * 2);
  const rounds = Number(extra.get('security-rounds') ?? extra.get('rounds') ?? (quick ? 1 : 3));
  const sizes = extra.get('security-sizes')?.split(',').map((k) => Number(k) * 1024) ?? SIZES;
  const inFlights = extra.get('security-in-flight')?.split(',').map(Number) ?? (quick ? [1] : IN_FLIGHT);
  const rows = await runSecurityBench({ seconds, rounds, sizes, inFlights, progress: (l) => ctx.progress(l) });
  const markdown = [
    formatTable(rows),
    `*Echo server (encryption / compression per variant; compressed = cutoff 0, every payload both ways) in a child process, ` +
      `client in the orchestrator; JSON-like text payload (GZIP ≈ 4×); median of ${rounds} rounds per cell in which the ` +
      `variants take turns, ${(seconds / rounds).toFixed(2)} s each after a warm-up; KB = KiB, MB = 10⁶ bytes.*`,
  ].join('\n\n');
  return { markdown, data: { seconds, rounds, rows, target: encryptedTarget(rows) } };
}

/** The encrypted / compressed request-response section. */
export const section: BenchSection = {
  name: 'security',
  description: 'request/response with encryption and compression (echo of JSON-like text), plain figure of the same run as baseline',
  order: 40,
  run,
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { serve: { type: 'string' }, seconds: { type: 'string' }, quick: { type: 'boolean' } },
    strict: true,
  });
  if (values.serve !== undefined) return serve(values.serve as Variant);
  installCleanupHandlers();
  const seconds = Number(values.seconds ?? (values.quick === true ? 0.5 : 2));
  process.stderr.write(`security bench: ${seconds} s per cell, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}\n`);
  const rows = await runSecurityBench({ seconds, rounds: values.quick === true ? 1 : 3 });
  process.stdout.write(`${formatTable(rows)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
