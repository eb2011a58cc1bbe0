// Seed example 28: a temporary queue lives as long as the client that created it.
import { connect, createServer, plainTextMessage } from '../src/index.js';

await using server = await createServer({ port: 0 });
await using client = await connect({ uri: server.uri });

const queueName = await client.createTemporaryQueue(100);
const response = await client.offer(queueName, plainTextMessage('1', 'test', 'hello'), { timeout: 300 });
console.log(response.toString());
