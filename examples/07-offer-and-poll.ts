// Seed example 07: the barista workflow with temporary reply queues. Two clients place coffee
// orders on the `orders` queue, each with its own temporary queue as reply-to queue; one
// barista worker polls the orders and offers a confirmation to each order's reply-to queue.
import { connect, createServer, veniceMessage, type Client } from '../src/index.js';

// The barista processes the orders and sends each confirmation back via the reply-to queue.
async function baristaWorker(client: Client, queue: string, stop: AbortSignal): Promise<void> {
  console.log('(barista) STARTED');
  while (!stop.aborted) {
    const order = await client.poll(queue, { timeout: 1_000 });
    if (order.responseOk) {
      const confirmation = veniceMessage(order.requestId, 'order-confirmed', order.json());
      console.log('(barista) ORDER PROCESSED:', order.toJsonString(true));
      await client.offer(order.replyToQueueName ?? '', confirmation, { timeout: 1_000 });
    }
  }
  // The Venice worker loops forever and never prints "(barista) TERMINATED"; neither do we.
}

// Places an order on behalf of a client and waits for the confirmation.
async function placeOrder(clientId: number, client: Client, queue: string, replyQueue: string, counter: { n: number }): Promise<void> {
  const name = `(client-${clientId})`;
  const order = veniceMessage(`client-${clientId}--#${++counter.n}`, 'order', { item: 'espresso', count: 2 });
  const response = await client.offer(queue, order, { replyTo: replyQueue, timeout: 500 });
  if (!response.responseOk) {
    console.log(name, ' FAILED TO PLACE ORDER');
    return;
  }
  console.log(name, ' ORDER:', order.toJsonString(true));
  // the client waits for the order confirmation
  const confirmation = await client.poll(replyQueue, { timeout: 500 });
  if (confirmation.responseOk) console.log(name, ' ORDER CONFIRMED:', confirmation.toJsonString(true));
  else console.log(name, ' ORDER NOT CONFIRMED:', confirmation.toJsonString(true));
}

await using server = await createServer({ port: 0 });
await using client1 = await connect({ uri: server.uri });
await using client2 = await connect({ uri: server.uri });
await using barista = await connect({ uri: server.uri });

const client1ReplyQueue = await client1.createTemporaryQueue(100);
const client2ReplyQueue = await client2.createTemporaryQueue(100);
const client1Counter = { n: 0 };
const client2Counter = { n: 0 };

// create the orders queue
await server.createQueue('orders', { capacity: 100 });

// start the barista worker (one worker): reads orders and replies to each order's reply-to queue
const stop = new AbortController();
const worker = baristaWorker(barista, 'orders', stop.signal);

// place orders and wait for the barista's confirmations
await placeOrder(1, client1, 'orders', client1ReplyQueue, client1Counter);
await placeOrder(2, client2, 'orders', client2ReplyQueue, client2Counter);
await placeOrder(1, client1, 'orders', client1ReplyQueue, client1Counter);

stop.abort();
await worker; // its last poll ends within its 1 s timeout
