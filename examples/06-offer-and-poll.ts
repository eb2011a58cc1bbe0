// Seed example 06: the asynchronous form. `ipc/offer-async` / `ipc/poll-async` return futures;
// here offer and poll return Promises, and `(deref future 1000 :timeout)` becomes a 1 s
// deadline (AbortSignal.timeout) on waiting for the response.
import { connect, createServer, veniceMessage } from '../src/index.js';

await using server = await createServer({ port: 0 });
await using client1 = await connect({ uri: server.uri });
await using client2 = await connect({ uri: server.uri });

// create an orders queue (capacity=100) to allow client1 and client2 to exchange messages
await server.createQueue('orders', { capacity: 100 });

const order = veniceMessage('1', 'order', { item: 'espresso', count: 2 });
console.log('ORDER:', order.toJsonString(true));

// client1 offers the order; the Promise is the future
const offerFuture = client1.offer('orders', order, { timeout: 300, signal: AbortSignal.timeout(1_000) });
console.log('OFFERED:', (await offerFuture).toJsonString(true));

// client2 polls the next order from the queue
const pollFuture = client2.poll('orders', { timeout: 300, signal: AbortSignal.timeout(1_000) });
console.log('POLLED:', (await pollFuture).toJsonString(true));
