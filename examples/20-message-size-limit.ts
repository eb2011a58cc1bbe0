// Seed example 20: a server that accepts messages up to 100 MB (KB = 1024, MB = 1024 KB).
import { createServer, formatSize } from '../src/index.js';

await using server = await createServer({ port: 0, maxMessageSize: '100MB' });
const { maxMessageSize } = server.settings;
console.log(`server running: ${server.running}`);
console.log(`max message size: ${formatSize(maxMessageSize)} (${maxMessageSize} bytes)`);
