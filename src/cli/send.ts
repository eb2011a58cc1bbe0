import { CLIENT_OPTIONS, clientOptions, EXIT, messageFrom, PAYLOAD_OPTIONS, printResponse, withClient, type Command } from './common.js';

/** `venice-ipc send`: sends one request and prints the response. */
export const sendCommand: Command = {
  name: 'send',
  summary: 'send a request and print the response as pretty JSON',
  details: 'The response is always JSON: --json here is the payload, not the output format.',
  options: [...CLIENT_OPTIONS, ...PAYLOAD_OPTIONS, { name: 'oneway', type: 'boolean', description: 'send one-way: no response, print nothing. Defaults to off' }],
  async run({ values: v, env }) {
    const msg = await messageFrom(v);
    return withClient(clientOptions(v, env), async (client) => {
      if (v['oneway'] === true) {
        await client.sendOneway(msg);
        return EXIT.OK;
      }
      return printResponse(await client.send(msg));
    });
  },
};
