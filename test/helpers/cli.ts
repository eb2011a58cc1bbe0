import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Path of the compiled CLI. */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Result of a finished CLI run. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (killed after `timeoutMs`). */
export function runCli(args: string[], opts: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A `venice-ipc serve` child process, ready once it printed its `listening on` line. */
export interface CliServer extends AsyncDisposable {
  readonly uri: string;
  readonly child: ChildProcessWithoutNullStreams;
  /** Sends SIGINT and resolves with the exit code. */
  stop(): Promise<number | null>;
  stderr(): string;
}

/** Starts `venice-ipc serve ARGS` and waits for its `listening on <uri>` line. */
export function startCliServer(args: string[], timeoutMs = 15_000): Promise<CliServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', ...args]);
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((r) => child.on('close', r));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start: ${err}`));
    }, timeoutMs);
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!out.includes('\n')) reject(new Error(`server exited with ${code}: ${err}`));
    });
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^listening on (\S+)\n/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      const stop = async (): Promise<number | null> => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        const code = await exited;
        clearTimeout(killer);
        return code;
      };
      resolve({ uri: m[1] as string, child, stop, stderr: () => err, [Symbol.asyncDispose]: async () => void (await stop()) });
    });
  });
}
