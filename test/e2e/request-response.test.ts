import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  binaryMessage,
  connect,
  createServer,
  ErrorCode,
  isIpcError,
  jsonMessage,
  plainTextMessage,
  type Message,
} from '../../src/index.js';
import { tempSocketPath, until } from '../helpers/net.js';

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => isIpcError(err) && err.code === code);
}

test('echo over TCP keeps every field of the request (SEMANTICS §3.4)', async () => {
  await using server = await createServer({ port: 0, handler: (m) => m });
  await using client = await connect({ uri: server.uri });
  const req = plainTextMessage('1', 'test', 'hello', { expiresAt: 4_102_444_800_000 });
  const res = await client.send(req);
  assert.equal(res.id, req.id);
  assert.equal(res.type, 'RESPONSE');
  assert.equal(res.status, 'OK');
  assert.equal(res.oneway, true);
  assert.equal(res.timestamp, req.timestamp);
  assert.equal(res.expiresAtMillis, req.expiresAtMillis);
  assert.equal(res.timeout, 300);
  assert.equal(res.requestId, '1');
  assert.equal(res.text, 'hello');
});

test('the add handler of seed example 02 computes over JSON data', async () => {
  const handler = (m: Message): Message => {
    const { x, y } = m.json<{ x: number; y: number }>();
    return jsonMessage(m.requestId, m.topic, { z: x + y });
  };
  await using server = await createServer({ port: 0, handler });
  await using client = await connect({ port: server.endpoint.kind === 'inet' ? server.endpoint.port : 0 });
  const res = await client.send(jsonMessage('1', 'add', { x: 100, y: 200 }));
  assert.deepEqual(res.json(), { z: 300 });
});

test('works over a Unix domain socket', async () => {
  const sock = tempSocketPath();
  try {
    await using server = await createServer({ path: sock.path, handler: (m) => m });
    assert.equal(server.uri, `af-unix://${sock.path}`);
    await using client = await connect({ uri: server.uri });
    const bin = new Uint8Array(100_000).map((_, i) => i & 0xff);
    const res = await client.send(binaryMessage('b', 't', 'application/octet-stream', bin));
    assert.deepEqual(new Uint8Array(res.data), bin);
  } finally {
    sock.cleanup();
  }
});

test('works over IPv6 loopback', async () => {
  await using server = await createServer({ uri: 'af-inet://[::1]:0', handler: (m) => m });
  assert.match(server.uri, /^af-inet:\/\/\[::1\]:\d+$/);
  await using client = await connect({ uri: server.uri });
  assert.equal((await client.send(plainTextMessage('1', 't', 'v6'))).text, 'v6');
});

test('a throwing handler gives HANDLER_ERROR; no handler gives HANDLER_ERROR with the Java text', async () => {
  await using failing = await createServer({ port: 0, handler: () => { throw new Error('boom'); } });
  await using c1 = await connect({ uri: failing.uri });
  const r1 = await c1.send(plainTextMessage('1', 't', 'x'));
  assert.equal(r1.status, 'HANDLER_ERROR');
  assert.match(r1.text, /^Failed to handle request of type REQUEST!\nError: boom/);
  await using none = await createServer({ port: 0 });
  await using c2 = await connect({ uri: none.uri });
  const r2 = await c2.send(plainTextMessage('1', 't', 'x'));
  assert.equal(r2.status, 'HANDLER_ERROR');
  assert.equal(r2.text, 'Error: There is no handler defined for this server!');
});

test('a handler returning nothing gives an empty OK with the request topics', async () => {
  await using server = await createServer({ port: 0, handler: () => undefined });
  await using client = await connect({ uri: server.uri });
  const res = await client.send(plainTextMessage('7', 'topic-a', 'x'));
  assert.equal(res.status, 'OK');
  assert.equal(res.text, '');
  assert.equal(res.topic, 'topic-a');
  assert.equal(res.requestId, '7');
});

test('one-way requests get no response; their failures are recorded for ipc-server/error', async () => {
  const seen: string[] = [];
  await using server = await createServer({
    port: 0,
    handler: (m) => {
      seen.push(m.text);
      if (m.text === 'fail') throw new Error('oneway failure');
      return m;
    },
  });
  await using client = await connect({ uri: server.uri });
  await client.sendOneway(plainTextMessage('1', 't', 'ok'));
  await client.sendOneway(plainTextMessage('2', 't', 'fail'));
  const status = await client.serverStatus(); // processed after both one-way requests
  assert.deepEqual(seen, ['ok', 'fail']);
  assert.equal(status['response-discarded-count'], 1);
  const err = await client.send(plainTextMessage(null, 'ipc-server/error', ''));
  assert.equal(err.status, 'OK');
  const body = err.json<Record<string, unknown>>();
  assert.equal(body['status'], 'error');
  assert.match(String(body['description']), /oneway failure/);
  assert.equal(body['errors-left'], 0);
  const none = await client.send(plainTextMessage(null, 'ipc-server/error', ''));
  assert.equal(none.status, 'QUEUE_EMPTY');
  assert.deepEqual(none.json(), { status: 'no_errors_available' });
  const unknown = await client.send(plainTextMessage(null, 'ipc-server/nope', ''));
  assert.equal(unknown.status, 'BAD_REQUEST');
  assert.match(unknown.text, /^Unknown server request topic\. \nValid topics are:/);
});

test('a slow async handler on one connection does not stall another connection', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await using server = await createServer({
    port: 0,
    handler: async (m) => {
      if (m.text === 'slow') await gate;
      return m;
    },
  });
  await using slow = await connect({ uri: server.uri });
  await using fast = await connect({ uri: server.uri });
  const pending = slow.send(plainTextMessage('1', 't', 'slow'));
  const quick = await fast.send(plainTextMessage('2', 't', 'fast'));
  assert.equal(quick.text, 'fast');
  // and the same connection is not stalled either
  assert.equal((await slow.send(plainTextMessage('3', 't', 'again'))).text, 'again');
  release();
  assert.equal((await pending).text, 'slow');
});

test('many requests in flight on one connection are correlated by id', async () => {
  await using server = await createServer({
    port: 0,
    handler: async (m) => {
      await new Promise((r) => setImmediate(r));
      return m;
    },
  });
  await using client = await connect({ uri: server.uri });
  const replies = await Promise.all(Array.from({ length: 500 }, (_, i) => client.send(plainTextMessage(String(i), 't', `m${i}`))));
  replies.forEach((r, i) => assert.equal(r.text, `m${i}`));
});

test('request timeout and AbortSignal reject with coded errors; a late answer is discarded', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await using server = await createServer({ port: 0, handler: async (m) => { await gate; return m; } });
  await using client = await connect({ uri: server.uri });
  await rejectsWith(client.send(plainTextMessage('1', 't', 'x'), { timeout: 50 }), ErrorCode.TIMEOUT);
  const ac = new AbortController();
  const p = client.send(plainTextMessage('2', 't', 'x'), { signal: ac.signal });
  ac.abort();
  await rejectsWith(p, ErrorCode.ABORTED);
  await rejectsWith(client.send(plainTextMessage('3', 't', 'x'), { signal: AbortSignal.timeout(30) }), ErrorCode.TIMEOUT);
  release();
  await until(() => server.connectionCount === 1);
});

test('losing the connection rejects every pending request with CONNECTION_CLOSED', async () => {
  const server = await createServer({ port: 0, handler: () => new Promise<never>(() => undefined), closeTimeout: 50 });
  const client = await connect({ uri: server.uri });
  const pending = [1, 2, 3].map((i) => rejectsWith(client.send(plainTextMessage(String(i), 't', 'x'), { timeout: 5000 }), ErrorCode.CONNECTION_CLOSED));
  await server.close();
  await Promise.all(pending);
  assert.equal(client.running, false);
  await rejectsWith(client.send(plainTextMessage('4', 't', 'x')), ErrorCode.CONNECTION_CLOSED);
  await client.close();
});

test('server close lets in-flight requests finish within the deadline', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const server = await createServer({ port: 0, handler: async (m) => { await gate; return m; }, closeTimeout: 5000 });
  const client = await connect({ uri: server.uri });
  const inflight = client.send(plainTextMessage('1', 't', 'finish me'));
  await until(() => server.stats.messageCount >= 1, 3000, 'request received');
  const closing = server.close();
  release();
  assert.equal((await inflight).text, 'finish me');
  await closing;
  assert.equal(server.running, false);
  await client.close();
});

test('a connection over maxConnections is closed at once and counted', async () => {
  await using server = await createServer({ port: 0, maxConnections: 1, handler: (m) => m });
  await using first = await connect({ uri: server.uri });
  await rejectsWith(connect({ uri: server.uri, handshakeTimeout: 2000 }), ErrorCode.HANDSHAKE_FAILED);
  assert.equal(server.stats.connectionsRefused, 1);
  assert.equal((await first.send(plainTextMessage('1', 't', 'still'))).text, 'still');
});

test('API misuse gets coded errors, never a hang', async () => {
  await rejectsWith(createServer({ port: 0, maxMessageSize: '1GB' }), ErrorCode.INVALID_SIZE);
  await rejectsWith(createServer({ port: 0, maxMessageSize: '300MB' }), ErrorCode.INVALID_SIZE);
  await rejectsWith(createServer({ port: 0, maxConnections: 0 }), ErrorCode.INVALID_OPTION);
  await rejectsWith(createServer({ uri: 'tcp://127.0.0.1:1' }), ErrorCode.INVALID_URI);
  await rejectsWith(createServer({ uri: 'AF-INET://127.0.0.1:1' }), ErrorCode.INVALID_URI);
  await rejectsWith(connect({ uri: 'af-inet://127.0.0.1' }), ErrorCode.INVALID_URI);
  await rejectsWith(connect({ port: 1, userName: 'a' }), ErrorCode.INVALID_OPTION);
  await using server = await createServer({ port: 0, maxMessageSize: '2KB', handler: (m) => m });
  assert.equal(server.settings.maxMessageSize, 2048);
  const client = await connect({ uri: server.uri });
  await rejectsWith(client.send(binaryMessage('1', 't', 'a/b', new Uint8Array(2049))), ErrorCode.MESSAGE_TOO_LARGE);
  assert.equal(server.stats.messageCount, 0, 'nothing was sent');
  await client.close();
  await client.close(); // idempotent
  await rejectsWith(client.send(plainTextMessage('1', 't', 'x')), ErrorCode.CLIENT_CLOSED);
  await rejectsWith(client.sendOneway(plainTextMessage('1', 't', 'x')), ErrorCode.CLIENT_CLOSED);
  const small = await createServer({ port: 0, maxMessageSize: 100 });
  assert.equal(small.settings.maxMessageSize, 2048, 'raised to 2 KB');
  await small.close();
  await small.close();
});

test('TEST and HEARTBEAT are answered with an empty OK; status counts messages', async () => {
  await using server = await createServer({ port: 0, heartbeatInterval: 1 });
  await using client = await connect({ uri: server.uri, heartbeat: false });
  assert.equal(client.serverConfig.heartbeatInterval, 1);
  const st = await client.serverStatus();
  assert.equal(st['hearbeat-interval'], 1);
  assert.equal(st['connection_count'], 1);
  assert.equal(st['message-count'], 1, 'CLIENT_CONFIG is not counted');
  const pool = await client.serverThreadPoolStatistics();
  assert.equal(pool['maximum-pool-size'], 21);
});
