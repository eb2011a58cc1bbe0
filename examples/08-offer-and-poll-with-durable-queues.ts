// Seed example 08: a durable queue on a write-ahead log. Offer 3 durable messages and 1
// non-durable one, poll #1, restart server and client on the same WAL directory, then poll #2
// and #4: #3 was not durable and is gone after the restart.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, plainTextMessage, type ServerOptions } from '../src/index.js';

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`Assert failed: ${what}`);
}

const walDir = await mkdtemp(join(tmpdir(), 'wal-'));
const options: ServerOptions = {
  port: 0,
  walDir, //            enable the write-ahead log
  walCompress: true, // compress WAL entries
  walCompact: true, //  compact the WAL at startup
};

try {
  // start client/server with a write-ahead log and offer a few messages
  console.log('Starting server/client ...');
  {
    await using server = await createServer(options);
    await using client = await connect({ uri: server.uri });

    // create the durable queue testq
    await server.createQueue('testq', { capacity: 100, type: 'bounded', durable: true });

    // offer 3 durable and 1 non-durable messages
    await client.offer('testq', plainTextMessage('1', 'test', 'hello 1', { durable: true }), { timeout: 300 });
    await client.offer('testq', plainTextMessage('2', 'test', 'hello 2', { durable: true }), { timeout: 300 });
    await client.offer('testq', plainTextMessage('3', 'test', 'hello 3', { durable: false }), { timeout: 300 });
    await client.offer('testq', plainTextMessage('4', 'test', 'hello 4', { durable: true }), { timeout: 300 });

    // poll message #1
    const m = await client.poll('testq', { timeout: 300 });
    check(m.responseOk, 'poll #1 ok');
    check(m.text === 'hello 1', 'poll #1 is "hello 1"');
  }
  console.log('Shutdown server/client');

  // restart client/server: the new server reads the write-ahead log and populates testq
  console.log('Restarting server/client ...');
  {
    await using server = await createServer(options);
    await using client = await connect({ uri: server.uri });

    // the queue already exists (recovered from the log): this create does nothing
    await server.createQueue('testq', { capacity: 100, type: 'bounded', durable: true });

    // poll message #2
    let m = await client.poll('testq', { timeout: 300 });
    check(m.responseOk, 'poll #2 ok');
    check(m.text === 'hello 2', 'poll #2 is "hello 2"');

    // message #3 is non-durable and therefore lost at server shutdown

    // poll message #4
    m = await client.poll('testq', { timeout: 300 });
    check(m.responseOk, 'poll #4 ok');
    check(m.text === 'hello 4', 'poll #4 is "hello 4"');
  }
  console.log('Shutdown server/client');
} finally {
  await rm(walDir, { recursive: true, force: true });
  console.log('WAL dir cleaned and removed');
}

console.log('Done.');
