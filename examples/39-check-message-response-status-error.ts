// Seed example 39: `responseErr` (Venice `response-err?`) is true for an error status
// (anything but OK and NULL). `send` returns error responses; it does not throw for them.
import { connect, createServer, plainTextMessage } from '../src/index.js';

await using server = await createServer({ port: 0, handler: (m) => m });
await using client = await connect({ uri: server.uri });

const response = await client.send(plainTextMessage('1', 'test', 'hello'));
console.log('RESPONSE ERR:', response.responseErr);
