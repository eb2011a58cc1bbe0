import { connect } from '../index.js';
import { reportReconnects } from './resilience.js';
import { CLIENT_OPTIONS, clientOptions, describe, int, messageFrom, parse, PAYLOAD_OPTIONS, UsageError, printResponse, withClient, type Command } from './common.js';

/** `venice-ipc publish TOPIC`: publishes one message and prints the server's answer. */
export const publishCommand: Command = {
  name: 'publish',
  usage: 'publish TOPIC [--port N | --uri URI] [--request-id ID] (--text S | --json JSON | --file F [--mimetype M]) [--timeout MS]',
  summary: 'publish a message to the subscribers of TOPIC and print the answer as pretty JSON',
  async run(argv) {
    const { values: v, positionals } = parse(argv, { ...CLIENT_OPTIONS, ...PAYLOAD_OPTIONS }, true);
    if (positionals.length !== 1) throw new UsageError('give exactly one TOPIC');
    if (v['topic'] !== undefined) throw new UsageError('the topic is the positional argument, not --topic');
    const msg = await messageFrom({ ...v, topic: positionals[0] });
    return withClient(clientOptions(v), async (client) => printResponse(await client.publish(msg)));
  },
};

/**
 * `venice-ipc subscribe TOPIC...`: prints every push as pretty JSON as it arrives; stops after
 * `--count` messages, after `--timeout` ms, or at SIGINT (exit 0). Running out of time before
 * `--count` messages arrived exits 1. Prints `subscribed to …` on stderr once subscribed.
 */
export const subscribeCommand: Command = {
  name: 'subscribe',
  usage: 'subscribe TOPIC... [--port N | --uri URI] [--count N] [--timeout MS] [--reconnect]',
  summary: 'print the messages published to the topics as pretty JSON; stop after N messages, MS milliseconds or at SIGINT',
  async run(argv) {
    const { values: v, positionals: topics } = parse(argv, { ...CLIENT_OPTIONS, count: { type: 'string' }, reconnect: { type: 'boolean' } }, true);
    if (topics.length === 0) throw new UsageError('give at least one TOPIC');
    const count = int(v, 'count');
    if (count !== undefined && count < 1) throw new UsageError('--count must be at least 1');
    const stopAfter = int(v, 'timeout');
    if (stopAfter !== undefined && stopAfter < 1) throw new UsageError('--timeout must be at least 1 ms');
    // --timeout bounds the run, not each request. --reconnect: subscribe again after every loss;
    // without it a lost connection ends the run with exit code 1 and a one-line reason.
    const reconnect = v['reconnect'] === true ? { reconnect: { attempts: Infinity } } : {};
    const client = await connect({ ...clientOptions({ ...v, timeout: undefined }), ...reconnect });
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
        process.stdout.write(m.toJsonString(true) + '\n');
        if (++n === count) break;
      }
      const err = await sub.closed;
      if (err !== undefined && !stop.signal.aborted) {
        process.stderr.write(`venice-ipc subscribe: ${describe(err)}\n`);
        return 1;
      }
      if (stop.signal.reason === 'timeout' && count !== undefined && n < count) {
        process.stderr.write(`timeout after ${stopAfter} ms: received ${n} of ${count} messages\n`);
        return 1;
      }
      return 0;
    } finally {
      clearTimeout(timer);
      process.off('SIGINT', onSigint);
      await client.close();
    }
  },
};
