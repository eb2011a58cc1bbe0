/**
 * Memory per idle connection (issue 11): a server child holds N idle connections; its RSS after
 * a full GC, before and after they opened, divided by N, next to a raw `node:net` server in the
 * same run. Venice connections are real clients (handshake done); raw ones are plain sockets.
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

interface Child {
  readonly proc: ChildProcess;
  readonly uri: string;
  rss(): Promise<{ rss: number; open: number }>;
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
    async rss() {
      proc.stdin?.write('rss\n');
      const [, rss, open] = (await next()).split(' ');
      return { rss: Number(rss), open: Number(open) };
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

/** Opens `n` connections of the kind, waits until the child counts them (raw) or the handshakes are done (venice). */
async function measure(kind: 'venice' | 'raw', n: number): Promise<{ perConn: number; before: number; after: number }> {
  const child = await startChild(kind);
  const clients: Client[] = [];
  const sockets: Socket[] = [];
  try {
    const before = (await child.rss()).rss;
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
      const deadline = Date.now() + 10_000;
      while ((await child.rss()).open < n) if (Date.now() > deadline) throw new Error('raw child did not see every connection');
    }
    const after = (await child.rss()).rss;
    return { perConn: (after - before) / n, before, after };
  } finally {
    for (const c of clients) c.destroy();
    for (const s of sockets) s.destroy();
    await child.stop();
  }
}

async function run(ctx: BenchContext): Promise<SectionResult> {
  const { quick, extra } = ctx.settings;
  const n = Number(extra.get('idle-connections') ?? (quick ? 200 : 1000));
  ctx.progress(`idle-rss: ${n} idle connections, raw then venice`);
  const raw = await measure('raw', n);
  const venice = await measure('venice', n);
  const ratio = raw.perConn > 0 ? venice.perConn / raw.perConn : 0;
  const kib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const table = markdownTable(
    ['server', 'RSS before', `RSS with ${n} idle connections`, 'per connection', 'ratio to raw'],
    [
      ['raw `node:net`', mib(raw.before), mib(raw.after), kib(raw.perConn), '1.00×'],
      ['venice-ipc (handshake done)', mib(venice.before), mib(venice.after), kib(venice.perConn), `**${fmtRatio(ratio)}**`],
    ],
    ['l', 'r', 'r', 'r', 'r'],
  );
  const met = ratio <= TARGET;
  const markdown = [
    table,
    `Target (issue 11) ≤ ${fmtRatio(TARGET)} the raw server's RSS per idle connection: ${fmtRatio(ratio)} — ${met ? 'met' : 'missed ✗'}.`,
    '*Server in a child process (`--expose-gc`, RSS after two full collections), connections from the orchestrator on loopback; one run each, raw first.*',
  ].join('\n\n');
  return { markdown, data: { n, raw, venice, ratio, target: TARGET, met } };
}

/** The idle-rss section. */
export const section: BenchSection = {
  name: 'idle-rss',
  description: 'server RSS per idle connection vs a raw node:net server',
  order: 25,
  run,
};
