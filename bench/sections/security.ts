/**
 * Request/response with encryption and compression next to the plain figure of the same run:
 * a client sends REQUESTs of S bytes (JSON-like text that GZIP shrinks about 4×), an echo
 * server in a child process answers each with the same payload. Variants: plain, encrypted
 * (server `encrypt`), compressed (server cutoff 0: every payload in both directions), both.
 * Target (issue 5): encrypted ≥ 0.5× plain at 5 KB.
 *
 * Standalone until the bench orchestrator lands (it does not export a `section`, and does
 * nothing when imported):
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
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', variant], { stdio: ['pipe', 'pipe', 'inherit'] });
  const uri = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    uri,
    stop: () =>
      new Promise((r) => {
        child.once('exit', () => r());
        child.stdin.end();
      }),
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

/** Rounds per cell: the variants take turns, so that load from elsewhere hits all of them alike. */
const ROUNDS = 3;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/**
 * Measures every variant × size × in-flight cell. All servers run at once and, within a cell,
 * the variants alternate for {@link ROUNDS} rounds; each figure is the median of its rounds.
 */
export async function runSecurityBench(seconds: number): Promise<Map<string, Figure>> {
  const results = new Map<string, Figure>();
  const variants = Object.keys(VARIANTS) as Variant[];
  const servers = await Promise.all(variants.map((v) => startServer(v)));
  try {
    for (const size of SIZES) {
      for (const inFlight of IN_FLIGHT) {
        const rounds = new Map<Variant, Figure[]>(variants.map((v) => [v, []]));
        for (let r = 0; r < ROUNDS; r++) {
          for (let i = 0; i < variants.length; i++) {
            const v = variants[i] as Variant;
            const f = await measure((servers[i] as { uri: string }).uri, 'encrypt' in VARIANTS[v], size, inFlight, seconds / ROUNDS);
            rounds.get(v)?.push(f);
          }
        }
        for (const v of variants) {
          const fs = rounds.get(v) ?? [];
          const f = { msgsPerSec: median(fs.map((x) => x.msgsPerSec)), mbPerSec: median(fs.map((x) => x.mbPerSec)) };
          results.set(`${v}|${size}|${inFlight}`, f);
          process.stderr.write(`  ${v} ${size / 1024} KB ×${inFlight}: ${f.msgsPerSec.toFixed(0)} msg/s\n`);
        }
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  return results;
}

/** The markdown table: msgs/s, MB/s (both directions) and the ratio to plain. */
export function formatTable(results: Map<string, Figure>): string {
  const lines = ['| variant | size | in flight | msg/s | MB/s | × plain |', '| --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const size of SIZES) {
    for (const inFlight of IN_FLIGHT) {
      const plain = results.get(`plain|${size}|${inFlight}`);
      for (const variant of Object.keys(VARIANTS)) {
        const f = results.get(`${variant}|${size}|${inFlight}`);
        if (f === undefined || plain === undefined) continue;
        lines.push(
          `| ${variant} | ${size / 1024} KB | ${inFlight} | ${f.msgsPerSec.toFixed(0)} | ${f.mbPerSec.toFixed(1)} | ${(f.msgsPerSec / plain.msgsPerSec).toFixed(2)} |`,
        );
      }
    }
  }
  const enc = results.get(`encrypted|${5 * 1024}|1`);
  const plain = results.get(`plain|${5 * 1024}|1`);
  if (enc !== undefined && plain !== undefined) {
    const r = enc.msgsPerSec / plain.msgsPerSec;
    lines.push('', `Target encrypted ≥ 0.5× plain at 5 KB (1 in flight): ${r.toFixed(2)}× — ${r >= 0.5 ? 'met' : 'NOT met'}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { serve: { type: 'string' }, seconds: { type: 'string' }, quick: { type: 'boolean' } },
    strict: true,
  });
  if (values.serve !== undefined) return serve(values.serve as Variant);
  const seconds = Number(values.seconds ?? (values.quick === true ? 0.5 : 2));
  process.stderr.write(`security bench: ${seconds} s per cell, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}\n`);
  const results = await runSecurityBench(seconds);
  process.stdout.write(`${formatTable(results)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
