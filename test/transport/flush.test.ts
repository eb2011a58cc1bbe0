import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { Connection } from '../../src/transport/connection.js';
import { FrameDecoder, type RawFrame } from '../../src/protocol/frame-decoder.js';
import { binaryMessage } from '../../src/index.js';

/** A connected client socket (wrapped in a Connection) and the server side's received frames. */
async function pair(): Promise<{ conn: Connection; socket: Socket; frames: RawFrame[]; close: () => Promise<void> }> {
  const frames: RawFrame[] = [];
  const decoder = new FrameDecoder({ maxMetaFrame: 1 << 16, maxPayloadFrame: 1 << 20 });
  const server = createServer((s) => s.on('data', (c: Buffer) => decoder.push(c, (f) => frames.push(f))));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = connect((server.address() as { port: number }).port, '127.0.0.1');
  await once(socket, 'connect');
  const conn = new Connection(socket, { maxMessageSize: 1 << 20 }, { onMessage: () => undefined, onClose: () => undefined });
  return {
    conn,
    socket,
    frames,
    close: async () => {
      conn.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Counts the socket's uncork calls that hand corked data to the kernel. */
function countFlushes(socket: Socket): () => number {
  let n = 0;
  const uncork = socket.uncork.bind(socket);
  socket.uncork = () => {
    if (socket.writableCorked === 1) n++;
    uncork();
  };
  return () => n;
}

const msg = (i: number) => binaryMessage(null, 'flush', 'application/octet-stream', Buffer.from([i]));

test('messages of one tick are flushed every 4, so the peer can start on the first ones', async () => {
  const p = await pair();
  try {
    const flushes = countFlushes(p.socket);
    for (let i = 0; i < 10; i++) p.conn.send(msg(i));
    assert.equal(flushes(), 2, 'after the 4th and the 8th');
    await new Promise((r) => process.nextTick(r));
    assert.equal(flushes(), 3, 'the rest at the end of the tick');
    const deadline = Date.now() + 5000;
    while (p.frames.length < 10 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    assert.deepEqual(p.frames.map((f) => f.payload[0]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'all of them, in order');
  } finally {
    await p.close();
  }
});

test('a batch (pub/sub pushes) stays in the tick\'s single write', async () => {
  const p = await pair();
  try {
    const flushes = countFlushes(p.socket);
    for (let i = 0; i < 10; i++) p.conn.send(msg(i), { batch: true });
    assert.equal(flushes(), 0);
    await new Promise((r) => process.nextTick(r));
    assert.equal(flushes(), 1);
    const deadline = Date.now() + 5000;
    while (p.frames.length < 10 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    assert.equal(p.frames.length, 10);
  } finally {
    await p.close();
  }
});
