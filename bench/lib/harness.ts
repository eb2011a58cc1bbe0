/**
 * The benchmark harness: the section interface, the context handed to sections, and helpers
 * that run servers and clients in child processes (like a real deployment).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { trackChild, trackPath } from './cleanup.js';

/** One measurement: what every client child reports. */
export interface Measurement {
  readonly messageCount: number;
  readonly durationMillis: number;
  readonly throughputMsgs: number;
  readonly throughputMB: number;
  readonly latencyP50Millis: number;
  readonly latencyP99Millis: number;
  /** CPU time (user + system) the client process spent per message, µs. */
  readonly clientCpuMicrosPerMsg: number;
}

/** What a section returns: markdown for stdout and data for `bench/results/latest.json`. */
export interface SectionResult {
  readonly markdown: string;
  readonly data: unknown;
}

/**
 * A bench section. Put a file in `bench/sections/` exporting `section: BenchSection`; the
 * orchestrator finds it by itself (`npm run bench -- --only <name>` runs just that one).
 */
export interface BenchSection {
  /** Short unique name used by `--only`. */
  readonly name: string;
  /** One line shown in `--list` and above the section's output. */
  readonly description: string;
  /** Sections run in ascending order (then by name). Defaults to 100. */
  readonly order?: number;
  run(ctx: BenchContext): Promise<SectionResult>;
}

/** Options of a bench run, as given on the command line. */
export interface BenchSettings {
  /** Measured seconds per cell. */
  readonly seconds: number;
  /** Warm-up seconds per cell (not measured). */
  readonly warmupSeconds: number;
  /** Quick mode: fewer sizes/cells, for smoke runs. */
  readonly quick: boolean;
  /** Extra node flags for every child (e.g. `--cpu-prof`). */
  readonly nodeArgs: readonly string[];
  /** Free-form `--set key=value` options for sections. */
  readonly extra: ReadonlyMap<string, string>;
}

/** A server running in a child process. */
export interface ChildServer {
  /** The URI it listens on (with the real port). */
  readonly uri: string;
  readonly process: ChildProcess;
  /** SIGTERM, then SIGKILL after 5 s; resolves when it exited. */
  stop(): Promise<void>;
}

/** Everything a section gets. */
export interface BenchContext {
  readonly settings: BenchSettings;
  /** Directory of the compiled bench (`dist/bench`): resolve child scripts against it. */
  readonly benchDir: string;
  /** A progress line on stderr. */
  progress(text: string): void;
  /** A fresh Unix socket path in the temp directory (removed at the end of the run, even on Ctrl-C). */
  unixSocketPath(tag: string): string;
  /**
   * A fresh directory under the system temp directory (removed at the end of the run, even on
   * Ctrl-C; sections remove it themselves when done).
   */
  tempDir(tag: string): Promise<string>;
  /**
   * Starts `script` (relative to benchDir) in a child process and waits for it to print
   * `listening on <uri>` on stdout.
   */
  startServer(script: string, args: readonly string[]): Promise<ChildServer>;
  /** Runs `script` in a child process and parses the last stdout line as JSON. */
  runClient<T = Measurement>(script: string, args: readonly string[], timeoutMs?: number): Promise<T>;
}

/** The compiled bench directory (this file is `dist/bench/lib/harness.js`). */
export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

let socketSeq = 0;

/** Builds the context for a run. */
export function createContext(settings: BenchSettings): BenchContext {
  const nodeArgs = settings.nodeArgs;
  const spawnNode = (script: string, args: readonly string[]): ChildProcess =>
    trackChild(spawn(process.execPath, [...nodeArgs, join(BENCH_DIR, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
  return {
    settings,
    benchDir: BENCH_DIR,
    progress(text) {
      process.stderr.write(`[bench] ${text}\n`);
    },
    unixSocketPath(tag) {
      return trackPath(join(tmpdir(), `vipc-bench-${process.pid}-${tag}-${socketSeq++}.sock`));
    },
    async tempDir(tag) {
      return trackPath(await mkdtemp(join(tmpdir(), `vipc-bench-${tag}-`)));
    },
    startServer(script, args) {
      const child = spawnNode(script, args);
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.length > 10_000) stderr = stderr.slice(-10_000);
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const stop = async (): Promise<void> => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      };
      return new Promise((resolve, reject) => {
        const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
        const fail = (why: string): void => {
          void stop();
          reject(new Error(`${script} ${args.join(' ')}: ${why}\n${stderr}`));
        };
        const timer = setTimeout(() => fail('did not start within 10 s'), 10_000);
        const onExit = (code: number | null): void => {
          clearTimeout(timer);
          fail(`exited with ${code}`);
        };
        child.once('exit', onExit);
        rl.on('line', (line) => {
          const m = /^listening on (.+)$/.exec(line);
          if (m === null) return;
          clearTimeout(timer);
          child.off('exit', onExit);
          resolve({ uri: m[1] as string, process: child, stop });
        });
      });
    },
    runClient<T>(script: string, args: readonly string[], timeoutMs = 120_000): Promise<T> {
      const child = spawnNode(script, args);
      child.stdin?.end();
      let out = '';
      let err = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          const last = out.trim().split('\n').pop() ?? '';
          if (code !== 0) {
            reject(new Error(`${script} ${args.join(' ')}: exit ${code ?? signal}: ${err.trim()}`));
            return;
          }
          try {
            resolve(JSON.parse(last) as T);
          } catch {
            reject(new Error(`${script}: no JSON result: ${last}`));
          }
        });
      });
    },
  };
}
