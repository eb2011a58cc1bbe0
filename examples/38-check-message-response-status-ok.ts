// Seed example 38: `responseOk` (Venice `response-ok?`) is true when the status is OK.
import { connect, createServer, plainTextMessage } from '../src/index.js';

await using server = await createServer({ port: 0, handler: (m) => m });
await using client = await connect({ uri: server.uri });

const response = await client.send(plainTextMessage('1', 'test', 'hello'));
console.log('RESPONSE OK:', response.responseOk);
