import { connect } from '../index.js';
import {
  CLIENT_OPTIONS,
  clientOptions,
  CONNECT_OPTIONS,
  describe,
  EXIT,
  int,
  jsonOption,
  messageFrom,
  PAYLOAD_OPTIONS,
  printLine,
  printResponse,
  RESPONSE_JSON_OPTION,
  SECURITY_OPTIONS,
  UsageError,
  withClient,
  type Command,
} from './common.js';
import { RECONNECT_OPTION, reportReconnects } from './resilience.js';

/** `venice-ipc publish TOPIC`: publishes one message and prints the server's answer. */
export const publishCommand: Command = {
  name: 'publish',
  args: 'TOPIC',
  summary: 'publish a message to the subscribers of TOPIC and print the answer as pretty JSON',
  details: 'The payload of --data-json is JSON text; --json is the output format (one compact line).',
  options: [...CLIENT_OPTIONS, ...PAYLOAD_OPTIONS.filter((o) => o.name !== 'topic'), RESPONSE_JSON_OPTION],
  async run({ values: v, positionals: topics, env }) {
    if (topics.length !== 1) throw new UsageError('give exactly one TOPIC');
    const msg = await messageFrom({ ...v, topic: topics[0] });
    return withClient(clientOptions(v, env), async (client) => printResponse(await client.publish(msg), v));
  },
};

/**
 * `venice-ipc subscribe TOPIC...`: prints every push as one compact JSON line as it arrives;
 * stops after `--count` messages, after `--timeout` ms, or at SIGINT (exit 0). Running out of
 * time before `--count` messages arrived exits 2. Prints `subscribed to …` on stderr once subscribed.
 */
export const subscribeCommand: Command = {
  name: 'subscribe',
  args: 'TOPIC...',
  summary: 'print the messages published to the topics, one compact JSON line each; stop after N messages, MS milliseconds or at SIGINT',
  options: [
    ...CONNECT_OPTIONS,
    ...SECURITY_OPTIONS,
    { name: 'count', type: 'string', value: 'N', description: 'stop after N messages. Defaults to no limit' },
    { name: 'timeout', type: 'string', value: 'MS', description: 'stop after MS milliseconds (exit 2 if --count was not reached). Defaults to no limit' },
    jsonOption('each message as one compact JSON line (NDJSON; the output is the same without it)'),
    RECONNECT_OPTION,
  ],
  async run({ values: v, positionals: topics, env }) {
    if (topics.length === 0) throw new UsageError('give at least one TOPIC');
    const count = int(v, 'count');
    if (count !== undefined && count < 1) throw new UsageError('--count must be at least 1');
    const stopAfter = int(v, 'timeout');
    if (stopAfter !== undefined && stopAfter < 1) throw new UsageError('--timeout must be at least 1 ms');
    // --timeout bounds the run, not each request. --reconnect: subscribe again after every loss;
    // without it a lost connection ends the run with exit code 1 and a one-line reason.
    const reconnect = v['reconnect'] === true ? { reconnect: { attempts: Infinity } } : {};
    const client = await connect({ ...clientOptions({ ...v, timeout: undefined }, env), ...reconnect });
    if (v['reconnect'] === true) reportReconnects(client);
    const stop = new AbortController();
    const onSigint = (): void => stop.abort('SIGINT');
    process.once('SIGINT', onSigint);
    const timer = stopAfter === undefined ? undefined : setTimeout(() => stop.abort('timeout'), stopAfter);
    let n = 0;
    try {
      const sub = await client.subscribe(topics);
      process.stderr.write(`subscribed to ${topics.join(', ')}\n`);
      // Ending the subscription ends the loop below; the client is closed right after, so a failed UNSUBSCRIBE does not matter.
      const end = (): void => void sub.unsubscribe().catch(() => undefined);
      if (stop.signal.aborted) end();
      else stop.signal.addEventListener('abort', end, { once: true });
      for await (const m of sub) {
        printLine(m);
        if (++n === count) break;
      }
      const err = await sub.closed;
      if (err !== undefined && !stop.signal.aborted) {
        process.stderr.write(`venice-ipc subscribe: ${describe(err)}\n`);
        return EXIT.FAILURE;
      }
      if (stop.signal.reason === 'timeout' && count !== undefined && n < count) {
        process.stderr.write(`timeout after ${stopAfter} ms: received ${n} of ${count} messages\n`);
        return EXIT.EMPTY;
      }
      return EXIT.OK;
    } finally {
      clearTimeout(timer);
      process.off('SIGINT', onSigint);
      await client.close();
    }
  },
};
