/**
 * Request/response with encryption and compression next to the plain figure of the same run:
 * a client sends REQUESTs of S bytes (JSON-like text that GZIP shrinks about 4×), an echo
 * server in a child process answers each with the same payload. Variants: plain, encrypted
 * (server `encrypt`), compressed (server cutoff 0: every payload in both directions), both.
 * Targets: encrypted ≥ 0.5× plain at 5 KB (issue 5) and ≥ 0.7× plain (issue 11), 1 in flight.
 * Beside the table, the CPU cost of `SessionCipher` per frame (300 B meta-like with AAD, 5 KB
 * payload-like without) measured in the orchestrator, and the ratio that cost alone allows.
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
import { SessionCipher } from '../../src/crypto/aes-gcm.js';
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

/**
 * Child mode: an echo server for one variant; prints its URI, then its CPU time so far (user +
 * system, µs) for every `c` read on stdin; stops on stdin EOF.
 */
async function serve(variant: Variant): Promise<void> {
  const server = await createServer({ port: 0, handler: (m) => m, maxMessageSize: '20MB', ...VARIANTS[variant] });
  process.stdout.write(`${server.uri}\n`);
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    for (let i = d.indexOf('c'); i >= 0; i = d.indexOf('c', i + 1)) {
      const u = process.cpuUsage();
      process.stdout.write(`${u.user + u.system}\n`);
    }
  });
  await new Promise((r) => process.stdin.once('end', r));
  await server.close();
}

interface ServerChild {
  readonly uri: string;
  /** The child's CPU time so far (user + system), µs. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

async function startServer(variant: Variant): Promise<ServerChild> {
  const child = trackChild(spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', variant], { stdio: ['pipe', 'pipe', 'inherit'] }));
  child.stdin.on('error', () => undefined);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (c: string) => {
    out += c;
    for (let i = out.indexOf('\n'); i >= 0; i = out.indexOf('\n')) {
      lines.push(out.slice(0, i).trim());
      out = out.slice(i + 1);
    }
    while (waiting.length > 0 && lines.length > 0) (waiting.shift() as (line: string) => void)(lines.shift() as string);
  });
  const failed = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${variant} server exited with ${code}`))));
  failed.catch(() => undefined);
  const nextLine = (): Promise<string> =>
    Promise.race([new Promise<string>((r) => (lines.length > 0 ? r(lines.shift() as string) : waiting.push(r))), failed]);
  const uri = await nextLine();
  return {
    uri,
    cpuMicros: async () => {
      child.stdin.write('c');
      return Number(await nextLine());
    },
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
  /** CPU time (user + system) per request/response of the client (this process) and of the server child, µs. */
  readonly clientCpu: number;
  readonly serverCpu: number;
}

/** Runs `inFlight` request loops for `seconds` after a warm-up and counts round trips. */
async function measure(server: ServerChild, encrypt: boolean, size: number, inFlight: number, seconds: number): Promise<Figure> {
  const client = await connect({ uri: server.uri, timeout: 60_000 });
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
    const serverStart = await server.cpuMicros();
    const clientStart = process.cpuUsage();
    count = 0;
    const start = performance.now();
    stopAt = start + seconds * 1000;
    await Promise.all(Array.from({ length: inFlight }, loop));
    const elapsed = (performance.now() - start) / 1000;
    const clientUsed = process.cpuUsage(clientStart);
    const serverUsed = (await server.cpuMicros()) - serverStart;
    return {
      msgsPerSec: count / elapsed,
      mbPerSec: (count * size * 2) / elapsed / 1e6,
      clientCpu: (clientUsed.user + clientUsed.system) / count,
      serverCpu: serverUsed / count,
    };
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
  /** CPU µs per request/response, client and server (medians of the rounds). */
  readonly clientCpu: number;
  readonly serverCpu: number;
  /**
   * Plain's CPU per request/response (client + server) / this variant's, in the same cell: the
   * ratio the CPU cost allows, which load from other processes barely moves.
   */
  readonly cpuRatioToPlain: number;
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
  const servers: ServerChild[] = [];
  try {
    for (const v of variants) servers.push(await startServer(v));
    for (const size of o.sizes ?? SIZES) {
      for (const inFlight of o.inFlights ?? IN_FLIGHT) {
        const figs = new Map<Variant, Figure[]>(variants.map((v) => [v, []]));
        for (let r = 0; r < rounds; r++) {
          progress(`security: ${size / 1024} KB × ${inFlight} in flight: round ${r + 1}/${rounds}`);
          for (let i = 0; i < variants.length; i++) {
            const v = variants[i] as Variant;
            const f = await measure(servers[i] as ServerChild, 'encrypt' in VARIANTS[v], size, inFlight, o.seconds / rounds);
            figs.get(v)?.push(f);
          }
        }
        const plain = median((figs.get('plain') ?? []).map((x) => x.msgsPerSec));
        const plainCpu = median((figs.get('plain') ?? []).map((x) => x.clientCpu + x.serverCpu));
        for (const v of variants) {
          const fs = figs.get(v) ?? [];
          const msgsPerSec = median(fs.map((x) => x.msgsPerSec));
          const cpu = median(fs.map((x) => x.clientCpu + x.serverCpu));
          rows.push({
            variant: v,
            size,
            inFlight,
            msgsPerSec,
            mbPerSec: median(fs.map((x) => x.mbPerSec)),
            ratioToPlain: plain > 0 ? msgsPerSec / plain : 0,
            clientCpu: median(fs.map((x) => x.clientCpu)),
            serverCpu: median(fs.map((x) => x.serverCpu)),
            cpuRatioToPlain: cpu > 0 ? plainCpu / cpu : 0,
            rounds: fs.map((x) => x.msgsPerSec),
          });
          const r = rows[rows.length - 1] as SecurityRow;
          progress(
            `security:   ${v} ${size / 1024} KB ×${inFlight}: ${msgsPerSec.toFixed(0)} msg/s (${r.ratioToPlain.toFixed(2)}× plain), ` +
              `CPU µs/req client ${r.clientCpu.toFixed(1)} server ${r.serverCpu.toFixed(1)} (${r.cpuRatioToPlain.toFixed(2)}× plain)`,
          );
        }
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  return rows;
}

/** A ratio target of the encrypted/plain ratio at 5 KB, 1 in flight. */
export interface EncryptedTarget {
  readonly ratio: number;
  readonly min: number;
  readonly met: boolean;
}

function ratioTarget(rows: readonly SecurityRow[], min: number): EncryptedTarget | undefined {
  const enc = rows.find((r) => r.variant === 'encrypted' && r.size === 5 * 1024 && r.inFlight === 1);
  return enc === undefined ? undefined : { ratio: enc.ratioToPlain, min, met: enc.ratioToPlain >= min };
}

/** The encrypted/plain ratio at 5 KB, 1 in flight, against issue 5's target (≥ 0.5×), if measured. */
export function encryptedTarget(rows: readonly SecurityRow[]): EncryptedTarget | undefined {
  return ratioTarget(rows, 0.5);
}

/** The same ratio against issue 11's target (≥ 0.7×), if measured. */
export function encryptedTarget11(rows: readonly SecurityRow[]): EncryptedTarget | undefined {
  return ratioTarget(rows, 0.7);
}

/** CPU µs per `SessionCipher` call, measured in this process. */
export interface CipherCost {
  readonly encryptMeta: number;
  readonly encryptPayload: number;
  readonly decryptMeta: number;
  readonly decryptPayload: number;
  /** The four calls one side makes per 5 KB request/response (decrypt one message, encrypt one). */
  readonly perSide: number;
}

/** Bytes of the meta-like frame of the cipher micro-benchmark (the 34 header bytes are its AAD). */
export const CIPHER_META_BYTES = 300;

/**
 * CPU time (user + system, `process.cpuUsage`) per encrypt/decrypt of a 300 B frame with the
 * 34-byte AAD and of a 5 KB frame without: after a warm-up, `rounds` rounds in which the four
 * calls take turns (about `millis` in all, `millis / rounds / 4` per call and round); the median
 * round of each call. CPU time, unlike throughput, is barely moved by other processes.
 */
export function measureCipherCost(millis = 280, rounds = 7): CipherCost {
  const cipher = new SessionCipher(randomBytes(32));
  const aad = randomBytes(34);
  const meta = randomBytes(CIPHER_META_BYTES);
  const payload = randomBytes(5 * 1024);
  const metaFrame = cipher.encrypt(meta, aad);
  const payloadFrame = cipher.encrypt(payload);
  const ops: readonly (() => unknown)[] = [
    () => cipher.encrypt(meta, aad),
    () => cipher.encrypt(payload),
    () => cipher.decrypt(metaFrame, aad),
    () => cipher.decrypt(payloadFrame),
  ];
  const cost = (op: () => unknown, ms: number): number => {
    let n = 0;
    const start = process.cpuUsage();
    const until = performance.now() + ms;
    while (performance.now() < until) {
      for (let i = 0; i < 100; i++) op();
      n += 100;
    }
    const used = process.cpuUsage(start);
    return (used.user + used.system) / n;
  };
  for (let r = 0; r < 3; r++) for (const op of ops) cost(op, 40); // warm-up (JIT, heap sizing)
  const figures = ops.map((): number[] => []);
  for (let r = 0; r < rounds; r++) ops.forEach((op, i) => figures[i]?.push(cost(op, millis / rounds / ops.length)));
  const [encryptMeta, encryptPayload, decryptMeta, decryptPayload] = figures.map(median) as [number, number, number, number];
  return { encryptMeta, encryptPayload, decryptMeta, decryptPayload, perSide: encryptMeta + encryptPayload + decryptMeta + decryptPayload };
}

/**
 * The encrypted/plain ratio at 5 KB, 1 in flight, that the cipher's CPU cost alone allows: plain's
 * CPU per request/response (client + server) against the same plus the cipher's work on both sides.
 */
export function cipherBoundRatio(rows: readonly SecurityRow[], cost: CipherCost): number | undefined {
  const plain = rows.find((r) => r.variant === 'plain' && r.size === 5 * 1024 && r.inFlight === 1);
  if (plain === undefined) return undefined;
  const cpu = plain.clientCpu + plain.serverCpu;
  return cpu > 0 ? cpu / (cpu + 2 * cost.perSide) : undefined;
}

const verdict = (t: EncryptedTarget): string => `**${t.ratio.toFixed(2)}×** — ${t.met ? 'met' : 'NOT met ✗'}`;

/** The markdown table: msgs/s, MB/s (both directions) and the ratio to plain; the cipher's cost when given. */
export function formatTable(rows: readonly SecurityRow[], cost?: CipherCost): string {
  const lines = [
    '| variant | size | in flight | msg/s | MB/s (both ways) | × plain | CPU µs/req client + server | × plain (CPU) |',
    '| :-- | --: | --: | --: | --: | --: | --: | --: |',
  ];
  for (const r of rows) {
    const ratio = r.variant === 'plain' ? '1.00×' : `**${r.ratioToPlain.toFixed(2)}×**`;
    const cpu = `${r.clientCpu.toFixed(1)} + ${r.serverCpu.toFixed(1)}`;
    lines.push(
      `| ${r.variant} | ${r.size / 1024} KB | ${r.inFlight} | ${r.msgsPerSec.toFixed(0)} | ${r.mbPerSec.toFixed(1)} | ${ratio} | ${cpu} | ${r.cpuRatioToPlain.toFixed(2)}× |`,
    );
  }
  const t5 = encryptedTarget(rows);
  const t11 = encryptedTarget11(rows);
  if (t5 !== undefined && t11 !== undefined) {
    lines.push(
      '',
      `Target encrypted ≥ 0.5× plain at 5 KB (1 in flight): ${verdict(t5)}`,
      '',
      `Target (issue 11) encrypted 5 KB ≥ 0.7× plain (1 in flight): ${verdict(t11)}`,
    );
  }
  if (cost !== undefined) {
    const us = (x: number): string => x.toFixed(2);
    lines.push(
      '',
      '| `SessionCipher`, CPU µs per call | encrypt | decrypt |',
      '| :-- | --: | --: |',
      `| ${CIPHER_META_BYTES} B + 34 B AAD (meta frame) | ${us(cost.encryptMeta)} | ${us(cost.decryptMeta)} |`,
      `| 5 KB, no AAD (payload frame) | ${us(cost.encryptPayload)} | ${us(cost.decryptPayload)} |`,
    );
    const bound = cipherBoundRatio(rows, cost);
    const allows =
      bound === undefined ? '' : `; against plain's CPU per request in this run, that alone allows at most **${bound.toFixed(2)}×** plain at 5 KB, 1 in flight`;
    lines.push('', `Cipher CPU per 5 KB request/response, each side (2 encrypts + 2 decrypts): ${us(cost.perSide)} µs${allows}.`);
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
  const cipherCost = measureCipherCost();
  const rows = await runSecurityBench({ seconds, rounds, sizes, inFlights, progress: (l) => ctx.progress(l) });
  const markdown = [
    formatTable(rows, cipherCost),
    `*Echo server (encryption / compression per variant; compressed = cutoff 0, every payload both ways) in a child process, ` +
      `client in the orchestrator; JSON-like text payload (GZIP ≈ 4×); median of ${rounds} rounds per cell in which the ` +
      `variants take turns, ${(seconds / rounds).toFixed(2)} s each after a warm-up; KB = KiB, MB = 10⁶ bytes. ` +
      `CPU µs/req: process.cpuUsage() of the client (the orchestrator) and of the server child over the measured ` +
      `rounds ÷ requests; × plain (CPU) = plain's client + server CPU per request ÷ the variant's (load barely moves it). ` +
      `Cipher costs: process.cpuUsage() in the orchestrator before the servers start, median of 7 rounds of 10 ms per call type.*`,
  ].join('\n\n');
  return {
    markdown,
    data: { seconds, rounds, rows, target: encryptedTarget(rows), issue11Target: encryptedTarget11(rows), cipherCost, cipherBound: cipherBoundRatio(rows, cipherCost) },
  };
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
  const cost = measureCipherCost();
  const rows = await runSecurityBench({ seconds, rounds: values.quick === true ? 1 : 3 });
  process.stdout.write(`${formatTable(rows, cost)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
