// Seed example 30: check whether a queue exists.
import { connect, createServer } from '../src/index.js';
import { println } from './_format.js';

await using server = await createServer({ port: 0 });
await using client = await connect({ uri: server.uri });

await server.createQueue('queue/1', { capacity: 100 });
// ...
println(server.existsQueue('queue/1'));
void client; // opened as in the Venice example, unused
