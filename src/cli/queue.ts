import type { Client } from '../index.js';
import {
  clientOptions,
  CLIENT_SECURITY_USAGE,
  int,
  messageFrom,
  parse,
  PAYLOAD_OPTIONS,
  printResponse,
  SECURITY_OPTIONS,
  str,
  UsageError,
  withClient,
  type Command,
  type Values,
} from './common.js';
import { RETRY_OPTIONS, RETRY_USAGE, retryOptions } from './resilience.js';

/** Connection options of the queue commands; `--timeout` is the queue wait here, not the response timeout. */
const CONNECT_OPTIONS = { port: { type: 'string' }, host: { type: 'string' }, uri: { type: 'string' }, ...SECURITY_OPTIONS } as const;

/** --timeout is the queue wait here, not the client's response timeout. */
function queueClient<T>(v: Values, f: (c: Client) => Promise<T>): Promise<T> {
  return withClient({ ...clientOptions({ ...v, timeout: undefined }), ...retryOptions(v) }, f);
}

function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expects exactly one ${what}`);
  return positionals[0] as string;
}

/** `venice-ipc offer`: offers one message to a queue and prints the response. */
export const offerCommand: Command = {
  name: 'offer',
  usage:
    'offer QUEUE [--port N | --uri URI] (--text S | --json JSON | --file F [--mimetype M]) [--topic T] [--request-id ID] [--reply-to Q] [--timeout MS] [--durable] ' +
    CLIENT_SECURITY_USAGE +
    ` ${RETRY_USAGE}`,
  summary: 'offer a message to a queue (--timeout: how long the server may wait for space) and print the response',
  async run(argv) {
    const { values: v, positionals } = parse(
      argv,
      { ...CONNECT_OPTIONS, ...PAYLOAD_OPTIONS, ...RETRY_OPTIONS, 'reply-to': { type: 'string' }, timeout: { type: 'string' }, durable: { type: 'boolean' } },
      true,
    );
    const queue = onePositional(positionals, 'queue name');
    let msg = await messageFrom(v);
    if (v['durable'] === true) msg = msg.with({ durable: true });
    const res = await queueClient(v, (c) => c.offer(queue, msg, { replyTo: str(v, 'reply-to') ?? null, timeout: int(v, 'timeout', 0) }));
    return printResponse(res);
  },
};

/** `venice-ipc poll`: polls up to `--count` messages and prints each as pretty JSON. */
export const pollCommand: Command = {
  name: 'poll',
  usage: `poll QUEUE [--port N | --uri URI] [--timeout MS] [--count N] ${CLIENT_SECURITY_USAGE} ${RETRY_USAGE}`,
  summary: 'poll messages from a queue and print them as pretty JSON (exit code 2 when the queue stayed empty)',
  async run(argv) {
    const { values: v, positionals } = parse(argv, { ...CONNECT_OPTIONS, ...RETRY_OPTIONS, timeout: { type: 'string' }, count: { type: 'string' } }, true);
    const queue = onePositional(positionals, 'queue name');
    const count = int(v, 'count', 1) as number;
    if (count < 1) throw new UsageError('--count must be at least 1');
    const timeout = int(v, 'timeout', 0);
    return queueClient(v, async (c) => {
      let got = 0;
      while (got < count) {
        const res = await c.poll(queue, { timeout });
        if (res.status === 'QUEUE_EMPTY') break;
        if (!res.responseOk) {
          process.stderr.write(`server answered ${res.status}: ${res.text}\n`);
          return 1;
        }
        process.stdout.write(res.toJsonString(true) + '\n');
        got++;
      }
      if (got > 0) return 0;
      process.stderr.write('the queue stayed empty\n');
      return 2;
    });
  },
};

/** `venice-ipc queue create|remove|exists|status`: queue management through a client. */
export const queueCommand: Command = {
  name: 'queue',
  usage: `queue (create NAME CAPACITY [--circular] | remove NAME | exists NAME | status NAME) [--port N | --uri URI] ${CLIENT_SECURITY_USAGE}`,
  summary: 'manage queues: create, remove, check existence, print status as JSON',
  async run(argv) {
    const { values: v, positionals } = parse(argv, { ...CONNECT_OPTIONS, circular: { type: 'boolean' } }, true);
    const [action, name, capacity, ...extra] = positionals;
    if (name === undefined || extra.length > 0) throw new UsageError('expects an action and a queue name');
    if (action !== 'create' && capacity !== undefined) throw new UsageError(`${action} takes only a queue name`);
    if (action !== 'create' && v['circular'] !== undefined) throw new UsageError('--circular only applies to create');
    switch (action) {
      case 'create': {
        if (capacity === undefined || !/^[0-9]+$/.test(capacity)) throw new UsageError('create expects NAME CAPACITY (an integer)');
        await queueClient(v, (c) => c.createQueue(name, Number(capacity), { type: v['circular'] === true ? 'circular' : 'bounded' }));
        return 0;
      }
      case 'remove':
        await queueClient(v, (c) => c.removeQueue(name));
        return 0;
      case 'exists': {
        const exists = await queueClient(v, (c) => c.existsQueue(name));
        process.stdout.write(`${exists}\n`);
        return 0;
      }
      case 'status': {
        const status = await queueClient(v, (c) => c.queueStatus(name));
        process.stdout.write(JSON.stringify(status, null, 2) + '\n');
        return 0;
      }
      default:
        throw new UsageError(`unknown action '${String(action)}' (create, remove, exists, status)`);
    }
  },
};

/** Parses a repeatable `--queue NAME:CAPACITY[:bounded|circular]` of `serve`. */
export function parseQueueSpec(spec: string): { name: string; capacity: number; type: 'bounded' | 'circular'; durable: boolean } {
  const m = /^(.+?):([0-9]+)(?::(bounded|circular))?(:durable)?$/.exec(spec);
  if (m === null) throw new UsageError(`--queue expects NAME:CAPACITY[:bounded|circular][:durable], got '${spec}'`);
  const durable = m[4] !== undefined;
  if (durable && m[3] !== 'bounded') throw new UsageError(`--queue ${spec}: only NAME:CAPACITY:bounded:durable queues can be durable`);
  return { name: m[1] as string, capacity: Number(m[2]), type: (m[3] as 'bounded' | 'circular' | undefined) ?? 'bounded', durable };
}
