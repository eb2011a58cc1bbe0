// Seed example 36: a message as JSON (`ipc/message->json`); pass true for pretty printing.
import { connect, createServer, plainTextMessage } from '../src/index.js';

await using server = await createServer({ port: 0, handler: (m) => m });
await using client = await connect({ uri: server.uri });

const response = await client.send(plainTextMessage('1', 'test', 'hello'));
console.log('RESPONSE:', response.toJsonString(true));
