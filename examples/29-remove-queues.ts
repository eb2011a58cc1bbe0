// Seed example 29: remove a queue (prints nothing: `ipc/remove-queue` returns nil).
import { connect, createServer } from '../src/index.js';

await using server = await createServer({ port: 0 });
await using client = await connect({ uri: server.uri });

await server.createQueue('queue/1', { capacity: 100 });
// ...
await server.removeQueue('queue/1');
void client; // opened as in the Venice example, unused
