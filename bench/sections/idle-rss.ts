/**
 * Memory per idle connection (issue 11): a server child holds N idle connections; its RSS (and
 * V8 heap used) after a full GC, before and after they opened, divided by N, next to a raw
 * `node:net` server in the same run. Venice connections are real clients (handshake done); raw
 * ones are plain sockets. `--set idle-warmup=N` opens and closes N connections first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { connect, type Client } from '../../src/index.js';
import { trackChild } from '../lib/cleanup.js';
import { BENCH_DIR, type BenchContext, type BenchSection, type SectionResult } from '../lib/harness.js';
import { fmtRatio, markdownTable } from '../lib/stats.js';

/** Issue 11: at most 1.5× the raw server's RSS per idle connection. */
const TARGET = 1.5;

/** One answer of the child: RSS, open connections, V8 heap used, young generation, whether it settled. */
interface Sample {
  readonly rss: number;
  readonly open: number;
  readonly heap: number;
  readonly newSpace: number;
  readonly settled: boolean;
}

interface Child {
  readonly proc: ChildProcess;
  readonly uri: string;
  rss(settled?: boolean): Promise<Sample>;
  stop(): Promise<void>;
}

async function startChild(kind: 'venice' | 'raw'): Promise<Child> {
  const proc = trackChild(spawn(process.execPath, ['--expose-gc', join(BENCH_DIR, 'idle-rss-server.js'), kind], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const rl: Interface = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const lines = rl[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await Promise.race([lines.next(), new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${kind} child: no answer in 20 s`)), 20_000).unref())]);
    if (r.done === true) throw new Error(`${kind} child exited`);
    return r.value;
  };
  const first = await next();
  const m = /^listening on (\S+)$/.exec(first);
  if (m === null) throw new Error(`${kind} child: unexpected '${first}'`);
  return {
    proc,
    uri: m[1]!,
    async rss(settled = false) {
      proc.stdin?.write(settled ? 'rss settled\n' : 'rss\n');
      const [, rss, open, heap, newSpace, ok] = (await next()).split(' ');
      return { rss: Number(rss), open: Number(open), heap: Number(heap), newSpace: Number(newSpace), settled: ok === '1' };
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.stdin?.end();
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

function portOf(uri: string): number {
  return Number(/:(\d+)$/.exec(uri)?.[1] ?? 0);
}

/** Opens `n` connections of the kind to the child; returns what closes them. */
async function openConnections(kind: 'venice' | 'raw', child: Child, n: number): Promise<() => void> {
  const clients: Client[] = [];
  const sockets: Socket[] = [];
  const closeAll = (): void => {
    for (const c of clients) c.destroy();
    for (const s of sockets) s.destroy();
  };
  try {
    if (kind === 'venice') {
      for (let i = 0; i < n; i += 50) {
        const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => connect({ uri: child.uri })));
        clients.push(...batch);
      }
    } else {
      const port = portOf(child.uri);
      for (let i = 0; i < n; i++) {
        sockets.push(await new Promise<Socket>((resolve, reject) => {
          const s = netConnect(port, '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        }));
      }
    }
  } catch (err) {
    closeAll();
    throw err;
  }
  return closeAll;
}

/** Polls the child until it counts `n` open connections (bounded). */
async function untilOpen(child: Child, n: number): Promise<Sample> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await child.rss();
    if (r.open === n) return r;
    if (Date.now() > deadline) throw new Error(`the child counts ${r.open} connections, not ${n}`);
  }
}

/**
 * Opens `n` connections of the kind (venice ones complete their handshake) and measures the
 * child before and after. With `warmup` > 0, that many connections are opened and closed first,
 * so that one-time costs (code compiled for the first connections) are not counted per connection.
 */
/** Per-connection figures of one server. */
interface Figures {
  /** RSS step per connection right after they opened. */
  readonly perConn: number;
  /** The same once the server idled and V8's memory reducer shrank the young generation (both sides). */
  readonly perConnSettled: number;
  readonly heapPerConn: number;
  /** Idle server, young generation shrunk, before the connections. */
  readonly before: Sample;
  /** Right after the connections opened. */
  readonly after: Sample;
  /** The same connections once the server idled again. */
  readonly afterSettled: Sample;
}

/**
 * Opens `n` connections of the kind (venice ones complete their handshake) and measures the
 * child: idle before (V8's memory reducer has run), right after they opened, and idle again. With `warmup` > 0, that many connections are opened and closed
 * first, so that one-time costs (code compiled for the first connections) are not counted.
 */
async function measure(kind: 'venice' | 'raw', n: number, warmup: number): Promise<Figures> {
  const child = await startChild(kind);
  let closeAll = (): void => undefined;
  try {
    if (warmup > 0) {
      (await openConnections(kind, child, warmup))();
      await untilOpen(child, 0);
    }
    const before = await child.rss(true);
    closeAll = await openConnections(kind, child, n);
    const after = await untilOpen(child, n);
    const afterSettled = await child.rss(true);
    return {
      perConn: (after.rss - before.rss) / n,
      perConnSettled: (afterSettled.rss - before.rss) / n,
      heapPerConn: (afterSettled.heap - before.heap) / n,
      before,
      after,
      afterSettled,
    };
  } finally {
    closeAll();
    await child.stop();
  }
}

async function run(ctx: BenchContext): Promise<SectionResult> {
  const { quick, extra } = ctx.settings;
  const n = Number(extra.get('idle-connections') ?? (quick ? 500 : 4000));
  const warmup = Number(extra.get('idle-warmup') ?? 0);
  ctx.progress(`idle-rss: ${n} idle connections (after ${warmup} opened and closed), raw then venice`);
  const raw = await measure('raw', n, warmup);
  const venice = await measure('venice', n, warmup);
  // A raw step of zero or less (page-level noise) gives no ratio: the target then counts as missed.
  const ratio = raw.perConn > 0 ? venice.perConn / raw.perConn : Number.NaN;
  const ratioSettled = raw.perConnSettled > 0 ? venice.perConnSettled / raw.perConnSettled : Number.NaN;
  const showRatio = (r: number): string => (Number.isFinite(r) ? `**${fmtRatio(r)}**` : 'n/a (raw step ≤ 0)');
  const kib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const row = (name: string, f: Figures, r: string, rs: string): string[] => [
    name,
    `${mib(f.before.rss)} → ${mib(f.after.rss)}`,
    kib(f.perConn),
    r,
    `${mib(f.before.rss)} → ${mib(f.afterSettled.rss)}${f.before.settled && f.afterSettled.settled ? '' : ' (did not settle)'}`,
    kib(f.perConnSettled),
    rs,
    kib(f.heapPerConn),
  ];
  const table = markdownTable(
    ['server', `RSS idle → right after ${n} connections opened`, 'per connection', 'ratio to raw', 'RSS idle → idle again with them', 'per connection', 'ratio to raw', 'V8 heap used per connection'],
    [
      row('raw `node:net`', raw, '1.00×', '1.00×'),
      row('venice-ipc (handshake done)', venice, showRatio(ratio), showRatio(ratioSettled)),
    ],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
  const met = Number.isFinite(ratio) && ratio <= TARGET;
  const metSettled = Number.isFinite(ratioSettled) && ratioSettled <= TARGET;
  const young = (f: Figures): string => `${mib(f.before.newSpace)} → ${mib(f.after.newSpace)}`;
  const markdown = [
    table,
    `Target (issue 11) ≤ ${fmtRatio(TARGET)} the raw server's RSS per idle connection: right after the connections opened ${showRatio(ratio)} — ${met ? 'met' : 'missed ✗'}; ` +
      `once the idle server's young generation shrank again ${showRatio(ratioSettled)} — ${metSettled ? 'met' : 'missed ✗'}.`,
    `*Server in a child process (\`--expose-gc\`, RSS and heap after two full collections), connections from the orchestrator on loopback; ${warmup > 0 ? `${warmup} connections opened and closed before the first figure (one-time costs not counted)` : 'the first connections\' one-time costs (compiled code) included; `--set idle-warmup=N` opens and closes N first'}; one run each, raw first. ` +
      `"Idle" = after V8's memory reducer shrank the young generation, which it does a few seconds after allocation stops, as on any idle server (polled, at most 20 s). ` +
      `Opening the connections grows the young generation again (raw ${young(raw)}, venice-ipc ${young(venice)}): the first figure counts that transient step, the second what the connections keep.*`,
  ].join('\n\n');
  return { markdown, data: { n, warmup, raw, venice, ratio, ratioSettled, target: TARGET, met, metSettled } };
}

/** The idle-rss section. */
export const section: BenchSection = {
  name: 'idle-rss',
  description: 'server RSS per idle connection vs a raw node:net server',
  order: 25,
  run,
};
