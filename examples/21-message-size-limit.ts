// Seed example 21: a server that accepts messages up to 200 KB (KB = 1024).
import { createServer, formatSize } from '../src/index.js';

await using server = await createServer({ port: 0, maxMessageSize: '200KB' });
const { maxMessageSize } = server.settings;
console.log(`server running: ${server.running}`);
console.log(`max message size: ${formatSize(maxMessageSize)} (${maxMessageSize} bytes)`);
