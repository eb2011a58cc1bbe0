import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the compiled examples (`dist/examples`), seen from `dist/test/helpers`. */
export const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

/** What a finished example run produced. */
export interface ExampleResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code, or null when the process ended by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when the time bound was hit and the child was killed. */
  readonly timedOut: boolean;
}

/** Options of {@link runExample}. */
export interface RunExampleOptions {
  /** Command-line arguments after the script. Defaults to none. */
  readonly args?: readonly string[];
  /** Working directory of the child. Defaults to the current one. */
  readonly cwd?: string;
  /** Time bound in ms; the child is killed (SIGKILL) when it is exceeded. Defaults to 15000. */
  readonly timeout?: number;
  /** Extra environment variables for the child. Defaults to none. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Runs a compiled example (`name` is e.g. `01-send-and-receive`) with the current Node binary
 * and resolves with its output once it exits. Never rejects for a non-zero exit code; rejects
 * only if the process cannot be started.
 */
export function runExample(name: string, opts: RunExampleOptions = {}): Promise<ExampleResult> {
  const script = join(EXAMPLES_DIR, `${name}.js`);
  if (!existsSync(script)) return Promise.reject(new Error(`No compiled example ${script}`));
  const timeout = opts.timeout ?? 15_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...(opts.args ?? [])], {
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_DEBUG: '', ...opts.env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeout);
    child.once('error', (e) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    });
    // 'close' (not 'exit') so that both pipes are drained.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
        signal,
        timedOut,
      });
    });
  });
}
