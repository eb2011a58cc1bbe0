// Seed example 32: the status of a temporary queue.
import { connect, createServer, plainTextMessage } from '../src/index.js';
import { pr } from './_format.js';

await using server = await createServer({ port: 0 });
await using client = await connect({ uri: server.uri });

const queueName = await client.createTemporaryQueue(100);
await client.offer(queueName, plainTextMessage('1', 'test', 'hello'), { timeout: 300 });
// ...
console.log(pr(await client.queueStatus(queueName)));
