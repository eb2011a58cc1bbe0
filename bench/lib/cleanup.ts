/**
 * Process-wide cleanup for the bench: every child process and every temporary path (directory,
 * Unix socket) a section creates is registered here, so that they are removed when the section
 * fails, when the run ends and when it is interrupted (Ctrl-C / SIGTERM). Child processes are
 * killed with SIGKILL at that point; sections stop them gracefully themselves on the normal path.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const children = new Set<ChildProcess>();
const paths = new Set<string>();
let installed = false;

/** Registers a child process; it is forgotten when it exits. Returns the child. */
export function trackChild<C extends ChildProcess>(child: C): C {
  if (child.exitCode !== null || child.signalCode !== null) return child;
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Registers a path (file, socket or directory) to remove at cleanup. Returns the path. */
export function trackPath(path: string): string {
  paths.add(path);
  return path;
}

/** Removes `path` now (recursively, ignoring errors) and forgets it. */
export function removePath(path: string): void {
  paths.delete(path);
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

/** Children still running (for tests). */
export function liveChildren(): number {
  return children.size;
}

/** SIGKILLs every registered child that still runs and removes every registered path. Synchronous. */
export function cleanupNow(): void {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
  for (const p of [...paths]) removePath(p);
}

/**
 * Installs the handlers of a bench entry point: cleanup on normal exit, and on SIGINT/SIGTERM/
 * SIGHUP cleanup followed by exit with 128 + the signal number. Idempotent.
 */
export function installCleanupHandlers(): void {
  if (installed) return;
  installed = true;
  process.once('exit', cleanupNow);
  const onSignal = (signal: NodeJS.Signals, code: number): void => {
    process.stderr.write(`\n[bench] ${signal}: stopping ${children.size} child process(es), removing ${paths.size} temp path(s)\n`);
    cleanupNow();
    process.exit(128 + code);
  };
  process.once('SIGINT', () => onSignal('SIGINT', 2));
  process.once('SIGTERM', () => onSignal('SIGTERM', 15));
  process.once('SIGHUP', () => onSignal('SIGHUP', 1));
}
