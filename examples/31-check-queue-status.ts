// Seed example 31: the status of a queue, printed as the Venice REPL prints the map.
import { connect, createServer, plainTextMessage } from '../src/index.js';
import { pr } from './_format.js';

await using server = await createServer({ port: 0 });
await using client = await connect({ uri: server.uri });

await server.createQueue('queue/1', { capacity: 100 });

await client.offer('queue/1', plainTextMessage('1', 'test', 'hello'), { timeout: 300 });
// ...
console.log(pr(await client.queueStatus('queue/1')));
