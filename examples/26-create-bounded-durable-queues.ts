// Seed example 26: create a durable bounded queue through the server on a server with a
// write-ahead log, offer a (non-durable) message and print the response (the Venice REPL
// prints the value of the last expression).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, plainTextMessage } from '../src/index.js';

const walDir = await mkdtemp(join(tmpdir(), 'wal-'));
try {
  await using server = await createServer({ port: 0, walDir, walCompress: true, walCompact: true });
  await using client = await connect({ uri: server.uri });
  await server.createQueue('queue/1', { capacity: 100, type: 'bounded', durable: true });
  const response = await client.offer('queue/1', plainTextMessage('1', 'test', 'hello'), { timeout: 300 });
  console.log(response.toString());
} finally {
  await rm(walDir, { recursive: true, force: true });
}
