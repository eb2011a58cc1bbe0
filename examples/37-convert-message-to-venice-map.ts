// Seed example 37: a message as a map (`ipc/message->map`). `toObject()` returns a plain object
// with Venice's key names and order; veniceMap() turns type, status and charset into keywords
// so that it prints like Venice: {:type :RESPONSE :status :OK ...}.
import { connect, createServer, plainTextMessage } from '../src/index.js';
import { println, veniceMap } from './_format.js';

await using server = await createServer({ port: 0, handler: (m) => m });
await using client = await connect({ uri: server.uri });

const response = await client.send(plainTextMessage('1', 'test', 'hello'));
println('RESPONSE:', veniceMap(response));
