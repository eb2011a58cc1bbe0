/**
 * The server log of `venice-ipc serve` (`--log-format`, `--log-level`, `--verbose`): lines on
 * stderr built from the library's diagnostics channels (docs/operations.md, "Logs and tracing").
 * Text lines for people, or pino-style JSON lines (`level` 20/30/40/50, `time` in ms, `msg`).
 */
import {
  authFailureChannel,
  connectionCloseChannel,
  connectionErrorChannel,
  connectionOpenChannel,
  connectionRefusedChannel,
  requestEndChannel,
  walSyncChannel,
  type AuthFailureEvent,
  type ConnectionCloseEvent,
  type ConnectionOpenEvent,
  type ConnectionRefusedEvent,
  type RequestEndEvent,
  type TypedChannel,
  type WalSyncEvent,
} from '../index.js';

/** Log levels, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'text' | 'json';
/** pino's numbers for the levels. */
const PINO: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/** Writes log lines at or above a level. */
export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  /** Unsubscribes from every channel. */
  close(): void;
}

function textValue(v: unknown): string {
  if (typeof v === 'string') return /^[\w.:/@[\]-]+$/.test(v) ? v : JSON.stringify(v);
  if (v instanceof Error) return JSON.stringify(`${(v as { code?: string }).code ?? v.name}: ${v.message}`);
  return String(v);
}

/**
 * Creates the logger of `serve` and subscribes it to the channels the level needs: info shows
 * connections opening and closing (remote address, principal), warn refusals (and why), failed
 * logins and connections closed by errors, debug every request and WAL sync.
 */
export function createServerLogger(opts: { level: LogLevel; format: LogFormat; write?: (line: string) => void }): Logger {
  const min = LOG_LEVELS.indexOf(opts.level);
  const write = opts.write ?? ((line: string) => void process.stderr.write(line));
  const enabled = (l: LogLevel): boolean => LOG_LEVELS.indexOf(l) >= min;
  const log = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void => {
    if (!enabled(level)) return;
    if (opts.format === 'json') {
      const f: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(fields)) f[k] = v instanceof Error ? { code: (v as { code?: string }).code, message: v.message } : v;
      write(JSON.stringify({ level: PINO[level], time: Date.now(), msg, ...f }) + '\n');
    } else {
      const rest = Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${textValue(v)}`)
        .join(' ');
      write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${rest === '' ? '' : ' ' + rest}\n`);
    }
  };
  const subs: Array<() => void> = [];
  const on = <T>(ch: TypedChannel<T>, level: LogLevel, fn: (m: T) => void): void => {
    if (!enabled(level)) return; // not subscribed: the server does not even build the message
    ch.subscribe(fn);
    subs.push(() => ch.unsubscribe(fn));
  };
  on(connectionOpenChannel, 'info', (m: ConnectionOpenEvent) => log('info', 'connection open', { id: m.connectionId, remote: m.remote }));
  on(connectionCloseChannel, 'info', (m: ConnectionCloseEvent) =>
    log('info', 'connection closed', { id: m.connectionId, remote: m.remote, principal: m.principal, error: m.error }),
  );
  on(connectionRefusedChannel, 'warn', (m: ConnectionRefusedEvent) => log('warn', 'connection refused', { remote: m.remote, reason: m.reason }));
  on(authFailureChannel, 'warn', (m: AuthFailureEvent) =>
    log('warn', 'login failed', { id: m.connectionId, remote: m.remote, user: m.user, failures: m.failures }),
  );
  const onError = (m: unknown): void => {
    const e = m as { connectionId: number; remote: string; error: Error };
    log('warn', 'connection error', { id: e.connectionId, remote: e.remote, error: e.error });
  };
  if (enabled('warn')) {
    connectionErrorChannel.subscribe(onError);
    subs.push(() => connectionErrorChannel.unsubscribe(onError));
  }
  on(requestEndChannel, 'debug', (m: RequestEndEvent) =>
    log('debug', 'request', { id: m.connectionId, type: m.type, topic: m.topic, status: m.status, ms: Math.round(m.durationMs * 1000) / 1000 }),
  );
  on(walSyncChannel, 'debug', (m: WalSyncEvent) =>
    log('debug', 'wal sync', { queue: m.queue, records: m.records, bytes: m.bytes, ms: Math.round(m.durationMs * 1000) / 1000 }),
  );
  return {
    log,
    close(): void {
      for (const u of subs.splice(0)) u();
    },
  };
}
