import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, createServer as netServer, type Socket } from 'node:net';
import { jsonMessage, plainTextMessage, type Message } from '../../src/index.js';
import { encodeMetadata } from '../../src/protocol/metadata.js';
import { Connection } from '../../src/transport/connection.js';
import { MAX_MESSAGE_SIZE_LIMIT } from '../../src/transport/message-codec.js';
import { decodeBytes, decodeCapture, queueEnv } from '../helpers/queue-server.js';

const QUEUE_TYPES = new Set(['CLIENT_CONFIG', 'OFFER', 'POLL', 'CREATE_QUEUE', 'CREATE_TEMP_QUEUE', 'REMOVE_QUEUE', 'STATUS_QUEUE']);

/** A raw connection that sends captured requests one at a time and returns the responses. */
async function rawConnection(uri: string): Promise<{ ask(m: Message): Promise<Message>; close(): Promise<void> }> {
  const port = Number(new URL(uri.replace('af-inet', 'http')).port);
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
  const waiting = new Map<string, (m: Message) => void>();
  const conn = new Connection(socket, { maxMessageSize: MAX_MESSAGE_SIZE_LIMIT }, {
    onMessage: (m) => waiting.get(m.id)?.(m),
    onClose: () => undefined,
  });
  return {
    ask: (m) =>
      new Promise((resolve) => {
        waiting.set(m.id, resolve);
        conn.send(m);
      }),
    close: () => conn.close(1000),
  };
}

function sameResponse(ours: Message, java: Message, what: string, carried: boolean): void {
  const f = (m: Message): unknown[] => [m.type, m.status, m.oneway, m.durable, m.subscriptionReply, m.requestId, m.queueName, m.replyToQueueName, [...m.topics], m.mimetype, m.charset, m.id];
  assert.deepEqual(f(ours), f(java), what);
  if (java.mimetype === 'application/json') assert.deepEqual(ours.json(), java.json(), what);
  else assert.deepEqual(ours.data, java.data, what);
  if (carried) assert.deepEqual([ours.timestamp, ours.expiresAtMillis, ours.timeout], [java.timestamp, java.expiresAtMillis, java.timeout], `${what}: header`);
  else assert.deepEqual([ours.expiresAtMillis, ours.timeout], [-1, 300], `${what}: header`);
}

test('our server answers the captured offer-poll requests exactly as the Java server did', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('ref/q1', { capacity: 10 });
  const reqs = decodeCapture('offer-poll.conn1.c2s.bin');
  const java = new Map(decodeCapture('offer-poll.conn1.s2c.bin').map((m) => [m.id, m]));
  const raw = await rawConnection(env.server.uri);
  try {
    for (const req of reqs) {
      const res = await raw.ask(req);
      if (req.type === 'CLIENT_CONFIG') continue;
      sameResponse(res, java.get(req.id) as Message, `${req.type} ${req.id}`, req.type === 'POLL' && res.responseOk);
    }
  } finally {
    await raw.close();
  }
});

test('our server answers the queue requests of the captured full scenario as the Java server did (durable ones refused without WAL)', async () => {
  await using env = await queueEnv();
  const java = new Map(decodeCapture('full-scenario.conn1.s2c.bin').map((m) => [m.id, m]));
  const names = new Map<string, string>(); // captured temporary queue name -> ours
  const rename = (s: string): string => [...names].reduce((acc, [from, to]) => acc.split(from).join(to), s);
  const raw = await rawConnection(env.server.uri);
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
      const expected = java.get(req.id) as Message;
      if (text.includes('"durable":true') || req.queueName === 'ref/dq' || text.includes('ref/dq')) {
        if (req.type === 'CREATE_QUEUE') {
          assert.equal(res.status, 'BAD_REQUEST');
          assert.equal(res.text, 'Cannot create a durable queue, if write-ahead-log is not activated on the server!');
        }
        continue;
      }
      if (req.type === 'CLIENT_CONFIG') continue;
      if (req.type === 'CREATE_TEMP_QUEUE') {
        assert.match(res.text, /^queue\/[0-9a-f-]{36}$/);
        names.set(expected.text, res.text);
        assert.equal(res.status, expected.status);
        continue;
      }
      const javaRenamed = expected.charset === null ? expected : expected.with({ data: Buffer.from(rename(expected.text), 'utf8') });
      sameResponse(res, javaRenamed.with({ queueName: expected.queueName === null ? null : rename(expected.queueName) }), `${req.type} ${text}`, req.type === 'POLL' && res.responseOk);
      compared++;
    }
  } finally {
    await raw.close();
  }
  assert.ok(compared >= 20, `compared ${compared} responses`);
});

/** Starts a TCP proxy in front of `port` that records every client → server byte. */
async function recordingProxy(port: number): Promise<{ uri: string; bytes(): Buffer; close(): Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const proxy = netServer((c) => {
    const s = netConnect({ host: '127.0.0.1', port });
    sockets.add(c).add(s);
    c.on('data', (d) => {
      chunks.push(d);
      s.write(d);
    });
    s.on('data', (d) => c.write(d));
    c.on('close', () => s.destroy());
    s.on('close', () => c.destroy());
    c.on('error', () => undefined);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const addr = proxy.address() as { port: number };
  return {
    uri: `af-inet://127.0.0.1:${addr.port}`,
    bytes: () => Buffer.concat(chunks),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => resolve());
      }),
  };
}

function sameRequest(ours: Message, java: Message, what: string, expiresAt = java.expiresAtMillis): void {
  assert.equal(encodeMetadata(ours.with({ id: java.id })), encodeMetadata(java), `${what}: metadata lines`);
  assert.deepEqual(ours.data, java.data, `${what}: payload`);
  assert.equal(ours.timeout, java.timeout, `${what}: header timeout`);
  assert.equal(ours.expiresAtMillis, expiresAt, `${what}: header expiresAt`);
  assert.notEqual(ours.id, java.id);
}

test('our client sends the same OFFER and POLL requests as the Java client (offer-poll capture)', async () => {
  await using env = await queueEnv();
  await env.server.createQueue('ref/q1', { capacity: 10 });
  const port = Number(env.server.uri.split(':').pop());
  const proxy = await recordingProxy(port);
  try {
    const client = await env.client({ uri: proxy.uri });
    await client.offer('ref/q1', jsonMessage('7', 'order', { item: 'espresso', count: 2 }), { timeout: 300 });
    await client.offer('ref/q1', plainTextMessage('8', 'order', 'second order'), { replyTo: 'ref/reply', timeout: 300 });
    await client.poll('ref/q1', { timeout: 300 });
    await client.poll('ref/q1', { timeout: 300 });
    await client.poll('ref/q1', { timeout: 100 });
  } finally {
    await proxy.close();
  }
  const ours = decodeBytes(proxy.bytes()).filter((m) => m.type !== 'CLIENT_CONFIG');
  const java = decodeCapture('offer-poll.conn1.c2s.bin').filter((m) => m.type !== 'CLIENT_CONFIG');
  assert.equal(ours.length, java.length);
  ours.forEach((m, i) => sameRequest(m, java[i] as Message, `request ${i + 1} (${m.type})`));
});

test('our client sends the same queue-management requests as the Java client (full-scenario capture), except expiresAt', async () => {
  await using env = await queueEnv();
  const port = Number(env.server.uri.split(':').pop());
  const proxy = await recordingProxy(port);
  try {
    const client = await env.client({ uri: proxy.uri });
    await client.createQueue('ref/q1', 10);
    await client.createQueue('ref/q1', 10);
    await client.createQueue('ref/q2', 5, { type: 'circular' });
    await client.queueStatus('ref/q1');
    await client.createTemporaryQueue(10);
    await client.createTemporaryQueue(5);
    await client.removeQueue('ref/q1');
  } finally {
    await proxy.close();
  }
  const ours = decodeBytes(proxy.bytes()).filter((m) => m.type !== 'CLIENT_CONFIG');
  const javaAll = decodeCapture('full-scenario.conn1.c2s.bin');
  const pick = (type: string, text: string): Message =>
    javaAll.find((m) => m.type === type && m.text === text) ?? assert.fail(`no captured ${type} ${text}`);
  const expected = [
    pick('CREATE_QUEUE', '{"durable":false,"name":"ref/q1","bounded":true,"capacity":10}'),
    pick('CREATE_QUEUE', '{"durable":false,"name":"ref/q1","bounded":true,"capacity":10}'),
    pick('CREATE_QUEUE', '{"durable":false,"name":"ref/q2","bounded":false,"capacity":5}'),
    pick('STATUS_QUEUE', '{"name":"ref/q1"}'),
    pick('CREATE_TEMP_QUEUE', '{"capacity":10}'),
    pick('CREATE_TEMP_QUEUE', '{"capacity":5}'),
    pick('REMOVE_QUEUE', '{"name":"ref/q1"}'),
  ];
  assert.equal(ours.length, expected.length);
  // Java sends expiresAt 1000 on these (a client bug, WIRE §9.5); we send -1 (never).
  ours.forEach((m, i) => sameRequest(m, expected[i] as Message, `request ${i + 1} (${m.type})`, -1));
});
