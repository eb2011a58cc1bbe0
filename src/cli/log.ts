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
import { int, str, UsageError, type OptionSpec, type Values } from './common.js';

/** Log levels, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'text' | 'json';
/** pino's numbers for the levels. */
const PINO: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/** Writes log lines at or above a level. */
export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  /** Writes an info line whatever the level (startup facts such as the HTTP address). */
  notice(msg: string, fields?: Record<string, unknown>): void;
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
  const log = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}, force = false): void => {
    if (!force && !enabled(level)) return;
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
    log: (level, msg, fields) => log(level, msg, fields),
    notice: (msg, fields) => log('info', msg, fields, true),
    close(): void {
      for (const u of subs.splice(0)) u();
    },
  };
}

/** The logging and HTTP flags of `serve`. */
export const SERVE_OBSERVE_OPTIONS: readonly OptionSpec[] = [
  { name: 'http-port', type: 'string', value: 'N', description: 'serve /metrics, /healthz, /readyz, /status.json and the dashboard on 127.0.0.1:N (0: a free port; the address is logged). Defaults to none' },
  { name: 'http-host', type: 'string', value: 'ADDR', description: 'address of the HTTP endpoint (needs --http-port; beyond loopback see docs/operations.md). Defaults to 127.0.0.1' },
  { name: 'log-format', type: 'string', value: 'text|json', description: 'log lines on stderr as text or as pino-style JSON. Defaults to text' },
  { name: 'log-level', type: 'string', value: 'debug|info|warn|error', description: 'least severe level logged (info: connections, debug: requests and WAL syncs). Defaults to warn' },
  { name: 'verbose', type: 'boolean', description: 'log connections opening and closing (remote address, principal) and refusals: --log-level info. Defaults to off' },
];

/** The logger of `serve` from its flags. */
export function serveLogger(v: Values): Logger {
  const format = str(v, 'log-format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--log-format must be text or json, got '${format}'`);
  const given = str(v, 'log-level');
  if (given !== undefined && !(LOG_LEVELS as readonly string[]).includes(given)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${given}'`);
  }
  if (given !== undefined && v['verbose'] === true) throw new UsageError('give either --verbose or --log-level');
  const level: LogLevel = (given as LogLevel | undefined) ?? (v['verbose'] === true ? 'info' : 'warn');
  return createServerLogger({ level, format });
}

/** The `http` server option from `--http-port`/`--http-host`, if given. */
export function httpOption(v: Values): { http: { port: number; host: string } } | Record<string, never> {
  const port = int(v, 'http-port');
  const host = str(v, 'http-host');
  if (port === undefined) {
    if (host !== undefined) throw new UsageError('--http-host needs --http-port');
    return {};
  }
  if (port < 0 || port > 65535) throw new UsageError(`--http-port expects a port from 0 to 65535, got ${port}`);
  return { http: { port, host: host ?? '127.0.0.1' } };
}
