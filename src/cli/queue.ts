import type { Client } from '../index.js';
import {
  clientOptions,
  CONNECT_OPTIONS,
  EXIT,
  int,
  jsonOption,
  messageFrom,
  PAYLOAD_OPTIONS,
  positionals,
  printData,
  printLine,
  printResponse,
  SECURITY_OPTIONS,
  str,
  UsageError,
  type Command,
  type Invocation,
  type OptionSpec,
  type Values,
  withClient,
} from './common.js';

/** Connection options of the queue commands; `--timeout` is the queue wait here, not the response timeout. */
const QUEUE_CLIENT_OPTIONS: readonly OptionSpec[] = [...CONNECT_OPTIONS, ...SECURITY_OPTIONS];

/** --timeout is the queue wait here, not the client's response timeout. */
function queueClient<T>(v: Values, env: NodeJS.ProcessEnv, f: (c: Client) => Promise<T>): Promise<T> {
  return withClient(clientOptions({ ...v, timeout: undefined }, env), f);
}

/** `venice-ipc offer`: offers one message to a queue and prints the response. */
export const offerCommand: Command = {
  name: 'offer',
  args: 'QUEUE',
  summary: 'offer a message to a queue and print the response as pretty JSON',
  details: 'The response is always JSON: --json here is the payload, not the output format.',
  options: [
    ...QUEUE_CLIENT_OPTIONS,
    ...PAYLOAD_OPTIONS,
    { name: 'reply-to', type: 'string', value: 'Q', description: 'name of the queue for replies. Defaults to none' },
    { name: 'timeout', type: 'string', value: 'MS', description: 'how long the server may wait for space in a full queue. Defaults to 0' },
    { name: 'durable', type: 'boolean', description: 'mark the message durable (kept in the write-ahead log of a durable queue). Defaults to off' },
  ],
  async run({ values: v, positionals: args, env }) {
    const [queue] = positionals(args, 1, 'exactly one queue name') as [string];
    let msg = await messageFrom(v);
    if (v['durable'] === true) msg = msg.with({ durable: true });
    const res = await queueClient(v, env, (c) => c.offer(queue, msg, { replyTo: str(v, 'reply-to') ?? null, timeout: int(v, 'timeout', 0) }));
    return printResponse(res);
  },
};

/** `venice-ipc poll`: polls up to `--count` messages and prints each as one JSON line. */
export const pollCommand: Command = {
  name: 'poll',
  args: 'QUEUE',
  summary: 'poll messages from a queue and print one compact JSON line per message (exit 2 when the queue stayed empty)',
  options: [
    ...QUEUE_CLIENT_OPTIONS,
    { name: 'timeout', type: 'string', value: 'MS', description: 'how long each poll waits for a message. Defaults to 0' },
    { name: 'count', type: 'string', value: 'N', description: 'poll up to N messages, stopping at the first empty poll. Defaults to 1' },
    jsonOption('each message as one compact JSON line (NDJSON; the output is the same without it)'),
  ],
  async run({ values: v, positionals: args, env }) {
    const [queue] = positionals(args, 1, 'exactly one queue name') as [string];
    const count = int(v, 'count', 1) as number;
    if (count < 1) throw new UsageError('--count must be at least 1');
    const timeout = int(v, 'timeout', 0);
    return queueClient(v, env, async (c) => {
      let got = 0;
      while (got < count) {
        const res = await c.poll(queue, { timeout });
        if (res.status === 'QUEUE_EMPTY') break;
        if (!res.responseOk) {
          process.stderr.write(`server answered ${res.status}: ${res.text}\n`);
          return EXIT.FAILURE;
        }
        printLine(res);
        got++;
      }
      if (got > 0) return EXIT.OK;
      process.stderr.write('the queue stayed empty\n');
      return EXIT.EMPTY;
    });
  },
};

const QUEUE_JSON = jsonOption('one compact JSON line');

/** `venice-ipc queue create|remove|exists|status`: queue management through a client. */
export const queueCommand: Command = {
  name: 'queue',
  summary: 'manage queues: create, remove, check existence, print status',
  subcommands: [
    {
      name: 'create',
      args: 'NAME CAPACITY',
      summary: 'create a queue holding up to CAPACITY messages',
      options: [...QUEUE_CLIENT_OPTIONS, { name: 'circular', type: 'boolean', description: 'a circular queue (a full queue drops its oldest message). Defaults to bounded' }],
      async run({ values: v, positionals: args, env }: Invocation): Promise<number> {
        const [name, capacity] = positionals(args, 2, 'NAME CAPACITY') as [string, string];
        if (!/^[0-9]+$/.test(capacity)) throw new UsageError(`CAPACITY must be an integer, got '${capacity}'`);
        await queueClient(v, env, (c) => c.createQueue(name, Number(capacity), { type: v['circular'] === true ? 'circular' : 'bounded' }));
        return EXIT.OK;
      },
    },
    {
      name: 'remove',
      args: 'NAME',
      summary: 'remove a queue',
      options: QUEUE_CLIENT_OPTIONS,
      async run({ values: v, positionals: args, env }: Invocation): Promise<number> {
        const [name] = positionals(args, 1, 'exactly one queue name') as [string];
        await queueClient(v, env, (c) => c.removeQueue(name));
        return EXIT.OK;
      },
    },
    {
      name: 'exists',
      args: 'NAME',
      summary: 'print true or false (exit 2 when the queue does not exist)',
      options: [...QUEUE_CLIENT_OPTIONS, QUEUE_JSON],
      async run({ values: v, positionals: args, env }: Invocation): Promise<number> {
        const [name] = positionals(args, 1, 'exactly one queue name') as [string];
        const exists = await queueClient(v, env, (c) => c.existsQueue(name));
        printData(v, { name, exists }, String(exists));
        return exists ? EXIT.OK : EXIT.EMPTY;
      },
    },
    {
      name: 'status',
      args: 'NAME',
      summary: 'print the status of a queue as JSON (exit 2 when the queue does not exist)',
      options: [...QUEUE_CLIENT_OPTIONS, QUEUE_JSON],
      async run({ values: v, positionals: args, env }: Invocation): Promise<number> {
        const [name] = positionals(args, 1, 'exactly one queue name') as [string];
        const status = await queueClient(v, env, (c) => c.queueStatus(name));
        printData(v, status);
        return status.exists ? EXIT.OK : EXIT.EMPTY;
      },
    },
  ],
};

/** Parses a repeatable `--queue NAME:CAPACITY[:bounded|circular]` of `serve`. */
export function parseQueueSpec(spec: string): { name: string; capacity: number; type: 'bounded' | 'circular'; durable: boolean } {
  const m = /^(.+?):([0-9]+)(?::(bounded|circular))?(:durable)?$/.exec(spec);
  if (m === null) throw new UsageError(`--queue expects NAME:CAPACITY[:bounded|circular][:durable], got '${spec}'`);
  const durable = m[4] !== undefined;
  if (durable && m[3] !== 'bounded') throw new UsageError(`--queue ${spec}: only NAME:CAPACITY:bounded:durable queues can be durable`);
  return { name: m[1] as string, capacity: Number(m[2]), type: (m[3] as 'bounded' | 'circular' | undefined) ?? 'bounded', durable };
}
