/**
 * A Java client's captured session against node B of a cluster: the same responses as the Java
 * server gave, although the queue was created through node A and lives in the engine.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import type { Message } from '../../src/index.js';
import { Connection } from '../../src/transport/connection.js';
import { MAX_MESSAGE_SIZE_LIMIT } from '../../src/transport/message-codec.js';
import { decodeCapture } from '../helpers/queue-server.js';
import { decodeStream, fixture, splitMessages } from '../pubsub/helpers.js';
import { startNats, startNodes, type NatsProcess, type Nodes } from './nats.js';

const QUEUE_TYPES = new Set(['CLIENT_CONFIG', 'OFFER', 'POLL', 'CREATE_QUEUE', 'CREATE_TEMP_QUEUE', 'REMOVE_QUEUE', 'STATUS_QUEUE']);

let nats: NatsProcess;
let nodes: Nodes;

before(async () => {
  nats = await startNats();
  nodes = await startNodes(2, [nats.url]);
});
after(async () => {
  await nodes?.[Symbol.asyncDispose]();
  await nats?.dispose();
});

/** A raw connection sending captured requests one at a time (their ids kept) and returning the responses. */
async function javaSession(uri: string): Promise<{ ask(m: Message): Promise<Message>; close(): Promise<void> }> {
  const port = Number(new URL(uri.replace('af-inet', 'http')).port);
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
  const waiting = new Map<string, (m: Message) => void>();
  const conn = new Connection(socket, { maxMessageSize: MAX_MESSAGE_SIZE_LIMIT }, { onMessage: (m) => waiting.get(m.id)?.(m), onClose: () => undefined });
  return {
    ask: (m) =>
      new Promise((resolve) => {
        waiting.set(m.id, resolve);
        conn.send(m);
      }),
    close: () => conn.close(1000),
  };
}

function fields(m: Message): unknown[] {
  return [m.type, m.status, m.oneway, m.durable, m.subscriptionReply, m.requestId, m.queueName, m.replyToQueueName, [...m.topics], m.mimetype, m.charset, m.id];
}

function same(ours: Message, java: Message, what: string): void {
  assert.deepEqual(fields(ours), fields(java), what);
  if (java.mimetype === 'application/json') assert.deepEqual(ours.json(), java.json(), what);
  else assert.deepEqual(ours.data, java.data, what);
}

test('node B answers the captured Java offer-poll session exactly as the Java server did (queue created through node A)', async () => {
  await nodes.servers[0]!.createQueue('ref/q1', { capacity: 10 });
  const java = new Map(decodeCapture('offer-poll.conn1.s2c.bin').map((m) => [m.id, m]));
  const raw = await javaSession(nodes.servers[1]!.uri);
  let compared = 0;
  try {
    for (const req of decodeCapture('offer-poll.conn1.c2s.bin')) {
      const res = await raw.ask(req);
      if (req.type === 'CLIENT_CONFIG') continue;
      same(res, java.get(req.id)!, `${req.type} ${req.id}`);
      if (req.type === 'POLL' && res.responseOk) assert.equal(res.timestamp, java.get(req.id)!.timestamp, 'the polled message keeps its timestamp');
      compared++;
    }
  } finally {
    await raw.close();
  }
  assert.equal(compared, 5);
  await nodes.servers[0]!.removeQueue('ref/q1');
});

test("node B answers the queue requests of the captured full scenario as the Java server did (durable queues on the engine's file storage)", async () => {
  const java = new Map(decodeCapture('full-scenario.conn1.s2c.bin').map((m) => [m.id, m]));
  const names = new Map<string, string>();
  const rename = (s: string): string => [...names].reduce((acc, [from, to]) => acc.split(from).join(to), s);
  const raw = await javaSession(nodes.servers[1]!.uri);
  let compared = 0;
  try {
    for (const captured of decodeCapture('full-scenario.conn1.c2s.bin')) {
      if (!QUEUE_TYPES.has(captured.type)) continue;
      const text = captured.charset === null ? '' : captured.text;
      const req = captured.with({
        queueName: captured.queueName === null ? null : rename(captured.queueName),
        data: captured.charset === null ? captured.data : Buffer.from(rename(text), 'utf8'),
      });
      const res = await raw.ask(req);
      if (req.type === 'CLIENT_CONFIG') continue;
      const expected = java.get(req.id)!;
      if (req.type === 'CREATE_TEMP_QUEUE') {
        assert.match(res.text, /^queue\/[0-9a-f-]{36}$/);
        names.set(expected.text, res.text);
        continue;
      }
      const renamed = expected.charset === null ? expected : expected.with({ data: Buffer.from(rename(expected.text), 'utf8') });
      same(res, renamed.with({ queueName: expected.queueName === null ? null : rename(expected.queueName) }), `${req.type} ${text}`);
      compared++;
    }
  } finally {
    await raw.close();
  }
  assert.ok(compared >= 20, `compared ${compared} responses`);
});

/** A raw socket to `port` and a reader of whole Venice messages. */
async function rawReader(port: number): Promise<{ socket: Socket; read(n: number): Promise<Buffer[]> }> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
  let buf = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    wake?.();
  });
  return {
    socket,
    async read(n) {
      const deadline = Date.now() + 5000;
      for (;;) {
        const parts = splitMessages(buf);
        if (parts.length >= n) {
          const taken = parts.slice(0, n);
          buf = buf.subarray(taken.reduce((a, b) => a + b.length, 0));
          return taken;
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} messages`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 100).unref();
        });
      }
    },
  };
}

test('a Java subscriber on node B gets the pushes of PUBLISH requests made through node A byte for byte as from the Java server', async () => {
  const port = Number(nodes.servers[1]!.uri.split(':').pop());
  const subIn = splitMessages(fixture('publish.conn2.c2s.bin'));
  const subOut = splitMessages(fixture('publish.conn2.s2c.bin'));
  const sub = await rawReader(port);
  const publisher = await nodes.client(0);
  try {
    sub.socket.write(Buffer.concat([subIn[0]!, subIn[1]!])); // CLIENT_CONFIG, SUBSCRIBE news
    await sub.read(2);
    for (const p of decodeStream(fixture('publish.conn1.c2s.bin')).filter((m) => m.type === 'PUBLISH')) {
      assert.equal((await publisher.publish(p)).text, 'Message has been enqued to publish.');
    }
    const pushes = await sub.read(2);
    assert.equal(pushes[0]!.toString('hex'), subOut[2]!.toString('hex'));
    assert.equal(pushes[1]!.toString('hex'), subOut[3]!.toString('hex'));
  } finally {
    sub.socket.destroy();
  }
});
