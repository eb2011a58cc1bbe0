/**
 * `venice-ipc status`, `venice-ipc queue list` and `venice-ipc top`: what a running server is
 * doing, from its extended status (a venice-ipc extension; docs/operations.md).
 */
import type { Client, ExtendedStatus } from '../index.js';
import { CLIENT_OPTIONS, clientOptions, EXIT, int, jsonOption, printData, UsageError, withClient, type Command, type Invocation } from './common.js';
import { formatQueueList, formatStatus, formatTop, topFrame } from './observe.js';

/** `venice-ipc status`. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'print the server status (the Venice members) and statistics (connections, messages, queues, topics, WAL)',
  details: 'Reads the extended status, a venice-ipc extension: a Java server answers it BAD_REQUEST (exit 1).',
  options: [...CLIENT_OPTIONS, jsonOption('the extended status as one JSON line')],
  async run({ values: v, env }: Invocation): Promise<number> {
    const opts = clientOptions(v, env);
    const s = await withClient(opts, (c) => c.extendedStatus());
    printData(v, s, formatStatus(s, uriOf(opts)));
    return EXIT.OK;
  },
};

/** `venice-ipc queue list`. */
export const queueListCommand: Command = {
  name: 'list',
  summary: 'list the queues with type, size and capacity (exit 2 when there is none)',
  options: [...CLIENT_OPTIONS, jsonOption('a JSON array of the queues')],
  async run({ values: v, env }: Invocation): Promise<number> {
    const s = await withClient(clientOptions(v, env), (c) => c.extendedStatus());
    printData(v, s.queues, formatQueueList(s.queues));
    return s.queues.length === 0 ? EXIT.EMPTY : EXIT.OK;
  },
};

/** `venice-ipc top`. */
export const topCommand: Command = {
  name: 'top',
  summary: 'live view refreshing every second: connections, msgs/s in and out, queues, topics, drops, errors',
  details: 'On a terminal the screen is redrawn; otherwise (or with --json) one frame per refresh is printed. Stops at SIGINT or after --count frames.',
  options: [
    ...CLIENT_OPTIONS,
    { name: 'interval', type: 'string', value: 'MS', description: 'ms between refreshes (at least 100). Defaults to 1000' },
    { name: 'count', type: 'string', value: 'N', description: 'stop after N frames. Defaults to until SIGINT' },
    jsonOption('one JSON line per frame (NDJSON)'),
  ],
  async run({ values: v, env }: Invocation): Promise<number> {
    const interval = int(v, 'interval', 1000) as number;
    if (interval < 100) throw new UsageError('--interval must be at least 100 ms');
    const count = int(v, 'count');
    if (count !== undefined && count < 1) throw new UsageError('--count must be at least 1');
    const opts = clientOptions(v, env);
    const tty = process.stdout.isTTY && v['json'] !== true;
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    try {
      await withClient(opts, (c) => loop(c, { interval, count, json: v['json'] === true, tty, uri: uriOf(opts), signal: stop.signal }));
    } finally {
      process.off('SIGINT', onSignal);
    }
    return EXIT.OK;
  },
};

async function loop(c: Client, o: { interval: number; count: number | undefined; json: boolean; tty: boolean; uri: string; signal: AbortSignal }): Promise<void> {
  let prev: ExtendedStatus = await c.extendedStatus();
  for (let frames = 0; o.count === undefined || frames < o.count; frames++) {
    if (!(await pause(o.interval, o.signal))) return;
    const cur = await c.extendedStatus();
    const f = topFrame(prev, cur);
    prev = cur;
    if (o.json) process.stdout.write(JSON.stringify(f) + '\n');
    else if (o.tty) process.stdout.write('\x1b[H\x1b[2J' + formatTop(f, o.uri) + '\n');
    else process.stdout.write(formatTop(f, o.uri) + '\n\n');
  }
}

/** Waits `ms` (the refresh period); false when SIGINT came first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort);
  });
}

function uriOf(opts: { uri?: string; host?: string; port?: number; path?: string }): string {
  if (opts.uri !== undefined) return opts.uri;
  if (opts.path !== undefined) return `af-unix://${opts.path}`;
  return `af-inet://${opts.host ?? '127.0.0.1'}:${opts.port ?? 33333}`;
}
