// Seed example 40: message expiry survives an offer/poll round trip through a queue.
import { connect, createServer, veniceMessage } from '../src/index.js';

await using server = await createServer({ port: 0 });
await using client1 = await connect({ uri: server.uri });
await using client2 = await connect({ uri: server.uri });
await server.createQueue('orders', { capacity: 1_000 });

// client1 offers a new order to the queue (expires within 5 minutes, not durable)
const order = veniceMessage('1', 'order', { item: 'espresso', count: 2 }, { expiresIn: { value: 5, unit: 'minutes' } });
await client1.offer('orders', order, { timeout: 300 });

// client2 polls the next order from the queue
const m = await client2.poll('orders', { timeout: 300 });
console.log('RESPONSE EXPIRED:', m.isExpired());
