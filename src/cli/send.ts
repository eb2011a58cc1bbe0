import { CLIENT_OPTIONS, clientOptions, EXIT, messageFrom, PAYLOAD_OPTIONS, printResponse, RESPONSE_JSON_OPTION, withClient, type Command } from './common.js';
import { RETRY_OPTION, retryOptions } from './resilience.js';

/** `venice-ipc send`: sends one request and prints the response. */
export const sendCommand: Command = {
  name: 'send',
  summary: 'send a request and print the response as pretty JSON',
  details: 'The payload of --data-json is JSON text; --json is the output format (one compact line).',
  options: [...CLIENT_OPTIONS, ...PAYLOAD_OPTIONS, RESPONSE_JSON_OPTION, { name: 'oneway', type: 'boolean', description: 'send one-way: no response, print nothing. Defaults to off' }, RETRY_OPTION],
  async run({ values: v, env }) {
    const msg = await messageFrom(v);
    return withClient({ ...clientOptions(v, env), ...retryOptions(v) }, async (client) => {
      if (v['oneway'] === true) {
        await client.sendOneway(msg);
        return EXIT.OK;
      }
      return printResponse(await client.send(msg), v);
    });
  },
};
