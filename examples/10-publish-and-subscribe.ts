/**
 * Twin of the seed's "Publish and Subscribe" example, asynchronous publish (Venice example 10):
 * like example 09, but `publish` is started as a promise (Venice: a future) and its answer
 * awaited with a 1 s timeout, as `(deref future 1_000 :timeout)` does.
 *
 * Run: `npm run build && node dist/examples/10-publish-and-subscribe.js`
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
const future = client2.publish(m, { timeout: 1_000 }); // returns a promise at once
try {
  const response = await future;
  console.log('PUBLISHED:', response.toJsonString(true));
} catch {
  console.log('PUBLISHED:', ':timeout');
}

// The Venice example sleeps 300 ms here; we wait for the delivery instead (at most 5 s).
await Promise.race([received, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
