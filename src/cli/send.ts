import { CLIENT_OPTIONS, CLIENT_SECURITY_USAGE, clientOptions, messageFrom, parse, PAYLOAD_OPTIONS, printResponse, withClient, type Command } from './common.js';
import { RETRY_OPTIONS, RETRY_USAGE, retryOptions } from './resilience.js';

/** `venice-ipc send`: sends one request and prints the response. */
export const sendCommand: Command = {
  name: 'send',
  usage:
    'send [--port N | --uri URI] [--topic T] [--request-id ID] (--text S | --json JSON | --file F [--mimetype M]) [--oneway] [--timeout MS] ' +
    CLIENT_SECURITY_USAGE +
    ` ${RETRY_USAGE}`,
  summary: 'send a request and print the response as pretty JSON',
  async run(argv) {
    const { values: v } = parse(argv, { ...CLIENT_OPTIONS, ...PAYLOAD_OPTIONS, ...RETRY_OPTIONS, oneway: { type: 'boolean' } });
    const msg = await messageFrom(v);
    return withClient({ ...clientOptions(v), ...retryOptions(v) }, async (client) => {
      if (v['oneway'] === true) {
        await client.sendOneway(msg);
        return 0;
      }
      return printResponse(await client.send(msg));
    });
  },
};
