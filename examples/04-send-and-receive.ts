// Seed example 04: one-way sends. The server's handler prints each request; there is no
// response, so the example waits until the handler has seen both messages before closing.
import { connect, createServer, plainTextMessage, type Message } from '../src/index.js';

let expected = 2;
let allReceived = (): void => {};
const received = new Promise<void>((resolve) => (allReceived = resolve));

function handler(m: Message): void {
  console.log('REQUEST:', m.toJsonString(true));
  if (--expected === 0) allReceived();
  // returns nothing: one-way requests never get a response anyway
}

await using server = await createServer({ port: 0, handler });
await using client = await connect({ uri: server.uri });

// requestId "1" and "2", topic "test", payload "hello"
await client.sendOneway(plainTextMessage('1', 'test', 'hello'));
await client.sendOneway(plainTextMessage('2', 'test', 'hello'));
await received;
