// Seed example 01: send a plain-text message to an echo server and print request and response.
import { connect, createServer, plainTextMessage, type Message } from '../src/index.js';

// A simple echo handler that prints and returns the request.
function echoHandler(m: Message): Message {
  console.log('REQUEST:', m.toJsonString(true));
  return m;
}

await using server = await createServer({ port: 0, handler: echoHandler });
await using client = await connect({ uri: server.uri });

// requestId "1", topic "test", payload "hello"
const response = await client.send(plainTextMessage('1', 'test', 'hello'));
console.log('RESPONSE:', response.toJsonString(true));
