// Seed example 05: client1 offers an order to a queue, client2 polls it ("synchronous" form:
// each call is awaited before the next one).
import { connect, createServer, veniceMessage } from '../src/index.js';

await using server = await createServer({ port: 0 });
await using client1 = await connect({ uri: server.uri });
await using client2 = await connect({ uri: server.uri });

// create an orders queue (capacity=100) to allow client1 and client2 to exchange messages
await server.createQueue('orders', { capacity: 100 });

// client1 offers an order Venice data message to the queue
//   requestId="1", topic="order", payload={item: "espresso", count: 2}
const order = veniceMessage('1', 'order', { item: 'espresso', count: 2 });
console.log('ORDER:', order.toJsonString(true));

// client1 offers the order (the server may wait up to 300 ms for space)
const offered = await client1.offer('orders', order, { timeout: 300 });
console.log('OFFERED:', offered.toJsonString(true));

// client2 polls the next order from the queue (waiting up to 300 ms)
const polled = await client2.poll('orders', { timeout: 300 });
console.log('POLLED:', polled.toJsonString(true));
