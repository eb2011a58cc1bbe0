import { createInterface } from 'node:readline';
import { deadLetterOf, parseSize, type Client, type LeasedMessage, type Message } from '../index.js';
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
  RESPONSE_JSON_OPTION,
  SECURITY_OPTIONS,
  str,
  UsageError,
  type Command,
  type Invocation,
  type OptionSpec,
  type Values,
  withClient,
} from './common.js';
import { POLL_RETRY_OPTION, RETRY_OPTION, retryOptions } from './resilience.js';
import { queueListCommand } from './status.js';

/** Connection options of the queue commands; `--timeout` is the queue wait here, not the response timeout. */
const QUEUE_CLIENT_OPTIONS: readonly OptionSpec[] = [...CONNECT_OPTIONS, ...SECURITY_OPTIONS];

/** --timeout is the queue wait here, not the client's response timeout. */
function queueClient<T>(v: Values, env: NodeJS.ProcessEnv, f: (c: Client) => Promise<T>): Promise<T> {
  return withClient({ ...clientOptions({ ...v, timeout: undefined }, env), ...retryOptions(v) }, f);
}

/** `venice-ipc offer`: offers one message to a queue and prints the response. */
export const offerCommand: Command = {
  name: 'offer',
  args: 'QUEUE',
  summary: 'offer a message to a queue and print the response as pretty JSON',
  details: 'The payload of --data-json is JSON text; --json is the output format (one compact line).',
  options: [
    ...QUEUE_CLIENT_OPTIONS,
    ...PAYLOAD_OPTIONS,
    RESPONSE_JSON_OPTION,
    { name: 'reply-to', type: 'string', value: 'Q', description: 'name of the queue for replies. Defaults to none' },
    { name: 'timeout', type: 'string', value: 'MS', description: 'how long the server may wait for space in a full queue. Defaults to 0' },
    { name: 'durable', type: 'boolean', description: 'mark the message durable (kept in the write-ahead log of a durable queue). Defaults to off' },
    RETRY_OPTION,
  ],
  async run({ values: v, positionals: args, env }) {
    const [queue] = positionals(args, 1, 'exactly one queue name') as [string];
    let msg = await messageFrom(v);
    if (v['durable'] === true) msg = msg.with({ durable: true });
    const res = await queueClient(v, env, (c) => c.offer(queue, msg, { replyTo: str(v, 'reply-to') ?? null, timeout: int(v, 'timeout', 0) }));
    return printResponse(res, v);
  },
};

/** A leased message as one JSON object: the message's JSON plus `deliveryCount`, `leaseToken` and `leaseUntil` (what ack/nack/extend need). */
function leasedJson(m: LeasedMessage): Record<string, unknown> {
  return { ...(JSON.parse(m.toJsonString(false)) as Record<string, unknown>), deliveryCount: m.deliveryCount, leaseToken: m.lease?.token, leaseUntil: m.lease?.until };
}

/**
 * Reads `ack`, `nack [DELAY_MS]` and `extend MS` lines from stdin and applies them to the leased
 * message `m` until an ack or nack settles it. EOF first: nack (the message goes back at once).
 */
async function settleFromStdin(c: Client, m: LeasedMessage): Promise<number> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  try {
    for await (const raw of lines) {
      const [cmd, arg, ...rest] = raw.trim().split(/\s+/);
      if (cmd === undefined || cmd === '') continue;
      const ms = arg === undefined ? undefined : /^[0-9]+$/.test(arg) ? Number(arg) : NaN;
      if (rest.length > 0 || Number.isNaN(ms) || (cmd === 'ack' && ms !== undefined) || (cmd === 'extend' && ms === undefined) || !['ack', 'nack', 'extend'].includes(cmd)) {
        process.stderr.write(`ignored '${raw.trim()}': expected ack, nack [DELAY_MS] or extend MS\n`);
        continue;
      }
      if (cmd === 'ack') {
        await c.ack(m);
        return EXIT.OK;
      }
      if (cmd === 'nack') {
        await c.nack(m, ms === undefined ? {} : { delay: ms });
        return EXIT.OK;
      }
      const until = await c.extend(m, ms as number);
      process.stdout.write(JSON.stringify({ leaseUntil: until }) + '\n');
    }
  } finally {
    lines.close();
  }
  process.stderr.write('stdin ended without ack: nacked, the message goes back to the queue\n');
  await c.nack(m);
  return EXIT.OK;
}

/** `venice-ipc poll`: polls up to `--count` messages and prints each as one JSON line. */
export const pollCommand: Command = {
  name: 'poll',
  args: 'QUEUE',
  summary: 'poll messages from a queue and print one compact JSON line per message (exit 2 when the queue stayed empty)',
  details:
    'With --lease MS (queue extension) the message stays in the queue under a lease; its line adds deliveryCount, leaseToken and leaseUntil. ' +
    'Then stdin takes one command a line: ack, nack [DELAY_MS], extend MS (prints {"leaseUntil"}); ack or nack ends the command. ' +
    'EOF before an ack or nack nacks the message (it goes back at once) and exits 0. With --ack auto each message is acked after printing (no stdin; --count allowed).',
  options: [
    ...QUEUE_CLIENT_OPTIONS,
    { name: 'timeout', type: 'string', value: 'MS', description: 'how long each poll waits for a message. Defaults to 0' },
    { name: 'count', type: 'string', value: 'N', description: 'poll up to N messages, stopping at the first empty poll (with --lease only with --ack auto). Defaults to 1' },
    { name: 'lease', type: 'string', value: 'MS', description: 'poll at least once: hold the message under a lease of MS ms until ack/nack (queue extension). Defaults to none (at-most-once)' },
    { name: 'ack', type: 'string', value: 'manual|auto', description: 'with --lease: manual reads ack/nack/extend lines on stdin, auto acks after printing. Defaults to manual' },
    jsonOption('each message as one compact JSON line (NDJSON; the output is the same without it)'),
    POLL_RETRY_OPTION,
  ],
  async run({ values: v, positionals: args, env }) {
    const [queue] = positionals(args, 1, 'exactly one queue name') as [string];
    const count = int(v, 'count', 1) as number;
    if (count < 1) throw new UsageError('--count must be at least 1');
    const timeout = int(v, 'timeout', 0);
    const lease = int(v, 'lease');
    const ackMode = str(v, 'ack');
    if (ackMode !== undefined && ackMode !== 'manual' && ackMode !== 'auto') throw new UsageError(`--ack expects manual or auto, got '${ackMode}'`);
    if (ackMode !== undefined && lease === undefined) throw new UsageError('--ack needs --lease');
    if (lease !== undefined && (lease < 1 || lease > MAX_LEASE_MS)) throw new UsageError(`--lease expects ms from 1 to ${MAX_LEASE_MS}`);
    if (lease !== undefined && ackMode !== 'auto' && count !== 1) throw new UsageError('--count above 1 with --lease needs --ack auto');
    return queueClient(v, env, async (c) => {
      let got = 0;
      while (got < count) {
        const res = lease === undefined ? await c.poll(queue, { timeout }) : await c.poll(queue, { timeout, lease });
        if (res.status === 'QUEUE_EMPTY') break;
        if (!res.responseOk) {
          process.stderr.write(`server answered ${res.status}: ${res.text}\n`);
          return EXIT.FAILURE;
        }
        got++;
        if (lease === undefined) {
          printLine(res);
          continue;
        }
        const m = res as LeasedMessage;
        process.stdout.write(JSON.stringify(leasedJson(m)) + '\n');
        if (ackMode === 'auto') await c.ack(m);
        else return settleFromStdin(c, m);
      }
      if (got > 0) return EXIT.OK;
      process.stderr.write('the queue stayed empty\n');
      return EXIT.EMPTY;
    });
  },
};

/** Lease of the dead letters `queue dlq` and `queue replay` take, ms. */
const DLQ_LEASE = 30_000;
/** Longest lease, ms. */
const MAX_LEASE_MS = 2 ** 31 - 1;

/** The dead-letter queue of NAME: `--dlq`, else `<NAME>-dlq`; undefined when it does not exist. */
async function deadLetterQueue(c: Client, name: string, v: Values): Promise<string | undefined> {
  const dlq = str(v, 'dlq') ?? `${name}-dlq`;
  return (await c.existsQueue(dlq)) ? dlq : undefined;
}

/** One dead letter as a JSON object. */
function deadLetterJson(dlq: string, m: LeasedMessage): Record<string, unknown> {
  const info = deadLetterOf(m);
  return { dlq, queue: info?.queue ?? null, reason: info?.reason ?? null, deliveryCount: info?.deliveries ?? null, message: JSON.parse(m.toJsonString(false)) as unknown };
}

/** Leases every message of `dlq` (wait 0) up to `max`, hands each to `f`. */
async function leaseAll(c: Client, dlq: string, max: number, f: (m: LeasedMessage) => Promise<void>): Promise<number> {
  let n = 0;
  while (n < max) {
    const m = await c.poll(dlq, { timeout: 0, lease: DLQ_LEASE });
    if (m.status === 'QUEUE_EMPTY') break;
    if (!m.responseOk) throw new Error(`poll of ${dlq}: server answered ${m.status}: ${m.text}`);
    n++;
    await f(m);
  }
  return n;
}

const queueDlqCommand: Command = {
  name: 'dlq',
  args: 'NAME',
  summary: 'show the dead letters of queue NAME: their count, with --json one line each (exit 2 when there is no dead-letter queue)',
  details: 'The dead letters are leased one by one while listed and all nacked at the end, so they stay in the dead-letter queue (queue extension).',
  options: [
    ...QUEUE_CLIENT_OPTIONS,
    { name: 'dlq', type: 'string', value: 'Q', description: 'name of the dead-letter queue. Defaults to NAME-dlq' },
    jsonOption('one JSON line per dead letter ({dlq,queue,reason,deliveryCount,message}) instead of the count'),
  ],
  async run({ values: v, positionals: args, env }: Invocation): Promise<number> {
    const [name] = positionals(args, 1, 'exactly one queue name') as [string];
    return queueClient(v, env, async (c) => {
      const dlq = await deadLetterQueue(c, name, v);
      if (dlq === undefined) {
        process.stderr.write(`queue ${name} has no dead-letter queue ${str(v, 'dlq') ?? `${name}-dlq`}\n`);
        return EXIT.EMPTY;
      }
      const held: LeasedMessage[] = [];
      try {
        await leaseAll(c, dlq, Infinity, async (m) => {
          held.push(m);
          if (v['json'] === true) process.stdout.write(JSON.stringify(deadLetterJson(dlq, m)) + '\n');
        });
      } finally {
        for (const m of held) await c.nack(m);
      }
      if (v['json'] !== true) process.stdout.write(`${held.length} dead letter${held.length === 1 ? '' : 's'} in ${dlq}\n`);
      return EXIT.OK;
    });
  },
};

const queueReplayCommand: Command = {
  name: 'replay',
  args: 'DLQ',
  summary: 'move dead letters from DLQ back to --to QUEUE (all, or --max N) and print how many (exit 2 when DLQ does not exist)',
  details: 'Each dead letter is taken under a lease, offered to QUEUE without its dead-letter topic, and only then acked: a crash in between can duplicate it, never lose it.',
  options: [
    ...QUEUE_CLIENT_OPTIONS,
    { name: 'to', type: 'string', value: 'QUEUE', description: 'the queue to move the dead letters to (required)' },
    { name: 'max', type: 'string', value: 'N', description: 'move at most N dead letters. Defaults to all' },
    jsonOption('{"moved":N} as one JSON line'),
  ],
  async run({ values: v, positionals: args, env }: Invocation): Promise<number> {
    const [dlq] = positionals(args, 1, 'exactly one dead-letter queue name') as [string];
    const to = str(v, 'to');
    if (to === undefined) throw new UsageError('--to QUEUE is required');
    const max = int(v, 'max');
    if (max !== undefined && max < 1) throw new UsageError('--max must be at least 1');
    return queueClient(v, env, async (c) => {
      if (!(await c.existsQueue(dlq))) {
        process.stderr.write(`the dead-letter queue ${dlq} does not exist\n`);
        return EXIT.EMPTY;
      }
      let failed: string | undefined;
      const moved = await leaseAll(c, dlq, max ?? Infinity, async (m) => {
        const res = await c.offer(to, withoutDeadLetterTopic(m));
        if (!res.responseOk) {
          await c.nack(m);
          failed = `offer to ${to}: server answered ${res.status}: ${res.text}`;
          throw new Error(failed);
        }
        await c.ack(m);
      }).catch((err: unknown) => {
        if (failed === undefined) throw err;
        return -1;
      });
      if (failed !== undefined) {
        process.stderr.write(failed + '\n');
        return EXIT.FAILURE;
      }
      printData(v, { moved }, `moved ${moved} message${moved === 1 ? '' : 's'} from ${dlq} to ${to}`);
      return EXIT.OK;
    });
  },
};

/** A dead letter without its `venice-ipc/dead-letter/...` topic, as a plain message. */
function withoutDeadLetterTopic(m: Message): Message {
  const topics = m.topics.filter((t) => !t.startsWith('venice-ipc/dead-letter/'));
  return topics.length === m.topics.length || topics.length === 0 ? m.with({}) : m.with({ topics });
}

const QUEUE_JSON = jsonOption('one compact JSON line');

/** `venice-ipc queue create|remove|exists|status`: queue management through a client. */
export const queueCommand: Command = {
  name: 'queue',
  summary: 'manage queues: list, create, remove, check existence, print status, dead letters',
  subcommands: [
    queueListCommand,
    queueDlqCommand,
    queueReplayCommand,
    {
      name: 'create',
      args: 'NAME CAPACITY',
      summary: 'create a queue holding up to CAPACITY messages',
      details: '--max-deliveries, --max-bytes and --dead-letter-queue use the venice-ipc queue extension (a Venice 1.12.71 Java server refuses them: exit 1).',
      options: [
        ...QUEUE_CLIENT_OPTIONS,
        { name: 'circular', type: 'boolean', description: 'a circular queue (a full queue drops its oldest message). Defaults to bounded' },
        { name: 'durable', type: 'boolean', description: 'a durable bounded queue (the server needs a write-ahead log). Defaults to off' },
        { name: 'max-deliveries', type: 'string', value: 'N', description: 'deliveries after which a message that comes back goes to the dead-letter queue. Defaults to 0 (no limit)' },
        { name: 'max-bytes', type: 'string', value: 'SIZE', description: 'payload bytes the queue may hold (e.g. 500KB, 10MB); a full queue answers QUEUE_FULL. Defaults to the server\'s limit' },
        { name: 'dead-letter-queue', type: 'string', value: 'NAME', description: 'name of the dead-letter queue. Defaults to NAME-dlq' },
      ],
      async run({ values: v, positionals: args, env }: Invocation): Promise<number> {
        const [name, capacity] = positionals(args, 2, 'NAME CAPACITY') as [string, string];
        if (!/^[0-9]+$/.test(capacity)) throw new UsageError(`CAPACITY must be an integer, got '${capacity}'`);
        const circular = v['circular'] === true;
        const durable = v['durable'] === true;
        if (circular && durable) throw new UsageError('--durable applies to bounded queues only, not with --circular');
        const maxDeliveries = int(v, 'max-deliveries');
        if (maxDeliveries !== undefined && maxDeliveries < 0) throw new UsageError(`--max-deliveries expects 0 or more, got ${maxDeliveries}`);
        const bytesText = str(v, 'max-bytes');
        let maxBytes: number | undefined;
        if (bytesText !== undefined) {
          try {
            maxBytes = parseSize(bytesText, '--max-bytes');
          } catch (err) {
            throw new UsageError(err instanceof Error ? err.message : String(err));
          }
          if (maxBytes < 0) throw new UsageError(`--max-bytes expects 0 or more, got ${maxBytes}`);
        }
        const deadLetterQueue = str(v, 'dead-letter-queue');
        await queueClient(v, env, (c) =>
          c.createQueue(name, Number(capacity), {
            type: circular ? 'circular' : 'bounded',
            ...(durable ? { durable } : {}),
            ...(maxDeliveries !== undefined ? { maxDeliveries } : {}),
            ...(maxBytes !== undefined ? { maxBytes } : {}),
            ...(deadLetterQueue !== undefined ? { deadLetterQueue } : {}),
          }),
        );
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
