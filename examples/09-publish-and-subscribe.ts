/**
 * Twin of the seed's "Publish and Subscribe" example, synchronous publish (Venice example 09):
 * client1 subscribes to topic `test` with a handler, client2 publishes a plain text message
 * and prints the server's answer.
 *
 * Run: `npm run build && node dist/examples/09-publish-and-subscribe.js`
 */
import { connect, createServer, plainTextMessage, type Message } from '../src/index.js';

await using server = await createServer({ port: 0 });
await using client1 = await connect({ uri: server.uri });
await using client2 = await connect({ uri: server.uri });

let delivered!: () => void;
const received = new Promise<void>((resolve) => (delivered = resolve));

// client1 subscribes to messages with topic 'test'
await client1.subscribe(['test'], (m: Message) => {
  console.log('SUBSCRIBED:', m.toJsonString(true));
  delivered();
});

// client2 publishes a plain text message:
//   requestId="1", topic="test", payload="hello"
const m = plainTextMessage('1', 'test', 'hello');
console.log('PUBLISHING:', m.toJsonString(true));
const response = await client2.publish(m);
console.log('PUBLISHED:', response.toJsonString(true));

// The Venice example sleeps 300 ms here; we wait for the delivery instead (at most 5 s).
await Promise.race([received, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
