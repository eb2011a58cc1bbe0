// Seed example 24: create a bounded and a circular queue through the server, offer to both and
// print the last response (the Venice REPL prints the value of the last expression).
import { connect, createServer, plainTextMessage } from '../src/index.js';

await using server = await createServer({ port: 0 });
await using client = await connect({ uri: server.uri });

await server.createQueue('queue/1', { capacity: 100, type: 'bounded' });
await server.createQueue('queue/2', { capacity: 100, type: 'circular' });

await client.offer('queue/1', plainTextMessage('1', 'test', 'hello'), { timeout: 300 });

const response = await client.offer('queue/2', plainTextMessage('2', 'test', 'hello'), { timeout: 300 });
console.log(response.toString());
