import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainTextMessage, RequestError } from '../../src/index.js';
import type { ClientCore } from '../../src/client/core.js';
import { buildManagement } from '../../src/client/queues.js';
import { queueEnv } from '../helpers/queue-server.js';

const NO_WAL = 'Cannot create a durable queue, if write-ahead-log is not activated on the server!';

function refused(status: string, text: RegExp | string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof RequestError, String(err));
    assert.equal(err.status, status);
    if (typeof text === 'string') assert.ok(err.message.includes(text), err.message);
    else assert.match(err.message, text);
    return true;
  };
}

test('queues created through the server and the client; an existing name is kept unchanged', async () => {
  await using env = await queueEnv();
  const client = await env.client();
  await env.server.createQueue('queue/1', { capacity: 100, type: 'bounded' });
  await env.server.createQueue('queue/2', { capacity: 100, type: 'circular' });
  await client.createQueue('queue/3', 7);
  await client.createQueue('queue/3', 99);
  await env.server.createQueue('queue/3', { capacity: 1 });
  const s = await client.queueStatus('queue/3');
  assert.deepEqual(Object.keys(s), ['name', 'exists', 'type', 'temporary', 'durable', 'capacity', 'size']);
  assert.deepEqual(s, { name: 'queue/3', exists: true, type: 'BOUNDED', temporary: false, durable: false, capacity: 7, size: 0 });
  assert.equal((await client.queueStatus('queue/2')).type, 'CIRCULAR');
  assert.deepEqual(env.server.queueStatus('nope'), { name: 'nope', exists: false, type: null, temporary: false, durable: false, capacity: 0, size: 0 });
  assert.equal(await client.existsQueue('queue/1'), true);
  assert.equal(env.server.existsQueue('queue/1'), true);
  assert.equal(await client.existsQueue('queue/9'), false);
});

test('remove clears the queue and ends its waits; removing an absent queue is fine', async () => {
  await using env = await queueEnv();
  const client = await env.client();
  await client.createQueue('r', 5);
  await client.offer('r', plainTextMessage('1', 't', 'x'));
  const other = await env.client();
  await client.createQueue('w', 5);
  const waiting = other.poll('w', { timeout: 5000 });
  await other.queueStatus('w');
  await client.removeQueue('r');
  await env.server.removeQueue('w');
  await client.removeQueue('never-existed');
  const res = await waiting;
  assert.equal(res.status, 'QUEUE_NOT_FOUND');
  await client.createQueue('r', 5);
  assert.equal((await client.queueStatus('r')).size, 0);
});

test('maxQueues limits regular queues (even when the name exists); temporary queues do not count', async () => {
  await using env = await queueEnv({ maxQueues: 2 });
  const client = await env.client();
  await client.createQueue('a', 1);
  await client.createTemporaryQueue(1);
  await client.createQueue('b', 1);
  const text = 'Request CREATE_QUEUE: Too many queues! Reached the limit of 2 queues.';
  await assert.rejects(client.createQueue('c', 1), refused('BAD_REQUEST', `Failed to create queue 'c'! Reason: ${text}`));
  await assert.rejects(client.createQueue('a', 1), refused('BAD_REQUEST', text));
  await env.server.createQueue('c', { capacity: 1 }); // the server-side API is not limited
  assert.equal(env.server.existsQueue('c'), true);
});

test('each connection may own maxQueues temporary queues', async () => {
  await using env = await queueEnv({ maxQueues: 2 });
  const a = await env.client();
  const b = await env.client();
  await a.createTemporaryQueue(1);
  await a.createTemporaryQueue(1);
  await assert.rejects(
    a.createTemporaryQueue(1),
    refused('BAD_REQUEST', 'Failed to create temporary queue! Reason: Request CREATE_TEMP_QUEUE: Too many temporary queues! Reached the limit of 2 temporary queues for this client.'),
  );
  assert.match(await b.createTemporaryQueue(1), /^queue\/[0-9a-f-]{36}$/);
  const status = await a.serverStatus();
  assert.deepEqual([status['queue-count'], status['temp-queue-count'], status['temp-queue-this-client-count']], [3, 3, 2]);
});

test('temporary queues live until their owner disconnects, then vanish with their messages', async () => {
  await using env = await queueEnv();
  const owner = await env.client();
  const other = await env.client();
  const name = await owner.createTemporaryQueue(10);
  assert.ok((await other.offer(name, plainTextMessage('1', 't', 'hi'))).responseOk);
  assert.deepEqual(await other.queueStatus(name), { name, exists: true, type: 'BOUNDED', temporary: true, durable: false, capacity: 10, size: 1 });
  const waiter = await env.client();
  assert.equal((await waiter.poll(name)).text, 'hi');
  const waiting = waiter.poll(name, { timeout: 5000 });
  await waiter.queueStatus(name);
  assert.equal(env.server.existsQueue(name), true, 'not before the owner leaves');
  const closed = env.nextSessionClosed();
  await owner.close();
  await closed;
  assert.equal(env.server.existsQueue(name), false);
  assert.equal((await waiting).status, 'QUEUE_NOT_FOUND');
  assert.equal((await other.offer(name, plainTextMessage('2', 't', 'late'))).status, 'QUEUE_NOT_FOUND');
  assert.equal((await other.serverStatus())['temp-queue-count'], 0);
});

test('a temporary queue disappears too when its owner connection breaks', async () => {
  await using env = await queueEnv();
  const owner = await env.client();
  const name = await owner.createTemporaryQueue(1);
  const closed = env.nextSessionClosed();
  (owner as unknown as ClientCore).connection.destroy();
  await closed;
  assert.equal(env.server.existsQueue(name), false);
});

test('clients are refused queue management when the server does not permit it (not temporary queues, offer, poll)', async () => {
  await using env = await queueEnv({ permitClientQueueMgmt: false });
  const client = await env.client();
  await assert.rejects(client.createQueue('x', 1), refused('NO_PERMISSION', 'Clients are not permitted to create queues!'));
  await assert.rejects(client.removeQueue('x'), refused('NO_PERMISSION', 'Clients are not permitted to remove queues!'));
  await assert.rejects(client.queueStatus('x'), refused('NO_PERMISSION', 'Clients are not permitted to request queue status!'));
  await assert.rejects(client.existsQueue('x'), refused('NO_PERMISSION', "Failed to check if queue x exists! Reason: Clients are not permitted to request queue status!"));
  const tmp = await client.createTemporaryQueue(2);
  assert.ok((await client.offer(tmp, plainTextMessage('1', 't', 'ok'))).responseOk);
  assert.equal((await client.poll(tmp)).text, 'ok');
});

test('names and capacities are checked locally by the client and by the server API', async () => {
  await using env = await queueEnv();
  const client = await env.client();
  await assert.rejects(client.createQueue('bad name!', 1), { code: 'VIPC_ERR_INVALID_QUEUE_NAME' });
  await assert.rejects(client.createQueue('wal', 1), { code: 'VIPC_ERR_INVALID_QUEUE_NAME' });
  await assert.rejects(client.createQueue('x'.repeat(81), 1), { code: 'VIPC_ERR_INVALID_QUEUE_NAME' });
  await assert.rejects(client.createQueue('ok', 0), { code: 'VIPC_ERR_QUEUE_LIMIT' });
  await assert.rejects(client.createTemporaryQueue(0), { code: 'VIPC_ERR_QUEUE_LIMIT' });
  await assert.rejects(client.createQueue('ok', 1, { type: 'circular', durable: true }), { code: 'VIPC_ERR_QUEUE_NOT_PERMITTED', message: 'Circular queues can not be made durable.' });
  await assert.rejects(client.createQueue('ok', 1, { durable: true }), refused('BAD_REQUEST', NO_WAL));
  await assert.rejects(env.server.createQueue('bad name!', { capacity: 1 }), { code: 'VIPC_ERR_INVALID_QUEUE_NAME' });
  await assert.rejects(env.server.createQueue('ok', { capacity: 0 }), { code: 'VIPC_ERR_QUEUE_LIMIT' });
  await assert.rejects(env.server.createQueue('ok', { capacity: 1, durable: true }), { code: 'VIPC_ERR_WAL_DISABLED', message: NO_WAL });
  await assert.rejects(env.server.createQueue('ok', { capacity: 1, type: 'circular', durable: true }), { code: 'VIPC_ERR_QUEUE_NOT_PERMITTED' });
  await assert.rejects(env.server.removeQueue(''), { code: 'VIPC_ERR_INVALID_QUEUE_NAME' });
  assert.throws(() => env.server.existsQueue('a b'), { code: 'VIPC_ERR_INVALID_QUEUE_NAME' });
  assert.equal(env.server.existsQueue('ok'), false);
});

test('the server checks CREATE_QUEUE requests in the Java order with the Java texts', async () => {
  await using env = await queueEnv({ maxQueues: 1 });
  const core = (await env.client()) as unknown as ClientCore;
  const ask = async (json: string, type: 'CREATE_QUEUE' | 'CREATE_TEMP_QUEUE' | 'REMOVE_QUEUE' | 'STATUS_QUEUE' = 'CREATE_QUEUE'): Promise<string> => {
    const res = await core.request(buildManagement(type, 'queue/x', json));
    return `${res.status} ${res.text.split('\n')[0]}`;
  };
  assert.equal(await ask('{"durable":false,"name":"wal","bounded":true,"capacity":1}'), "BAD_REQUEST Request CREATE_QUEUE: Invalid queue name: The queue name 'wal' is a preserved name!");
  assert.equal(await ask(`{"durable":false,"name":"${'x'.repeat(81)}","bounded":true,"capacity":1}`), 'BAD_REQUEST Request CREATE_QUEUE: Invalid queue name: A queue name is limited to 80 characters!');
  assert.equal(await ask('{"durable":false,"name":" ","bounded":true,"capacity":1}'), 'BAD_REQUEST Request CREATE_QUEUE: Invalid queue name: A queue name must not be empty or blank!');
  assert.equal(await ask('{"durable":false,"name":"q","bounded":true,"capacity":0}'), 'BAD_REQUEST Request CREATE_QUEUE: A queue name must not be blank and the capacity must not be lower than 1');
  assert.equal(await ask('{"durable":false,"name":"q","bounded":true,"capacity":10.0}'), 'HANDLER_ERROR Failed to handle request of type CREATE_QUEUE!');
  assert.equal(await ask('{"durable":"false","name":"q","bounded":true,"capacity":1}'), 'HANDLER_ERROR Failed to handle request of type CREATE_QUEUE!');
  assert.equal(await ask('{"durable":true,"name":"bad name!","bounded":false,"capacity":1}'), `BAD_REQUEST ${NO_WAL}`);
  assert.equal(await ask('{"durable":false,"name":"q","bounded":true,"capacity":1}'), 'OK Request CREATE_QUEUE: Queue q created.');
  assert.equal(await ask('{"durable":false,"name":"bad name!","bounded":true,"capacity":1}'), 'BAD_REQUEST Request CREATE_QUEUE: Too many queues! Reached the limit of 1 queues.');
  assert.equal(await ask('{"capacity":0}', 'CREATE_TEMP_QUEUE'), 'BAD_REQUEST Request CREATE_TEMP_QUEUE: A queue capacity must not be lower than 1');
  assert.equal(await ask('{"name":"a b"}', 'REMOVE_QUEUE'), 'BAD_REQUEST Request REMOVE_QUEUE: Invalid queue name: The queue name "a b" must only contain the characters: \'a-z\', \'A-Z\', \'0-9\', \'_\', \'-\', or \'/\'!');
  const plain = await core.request(buildManagement('STATUS_QUEUE', 'queue/status', '{"name":"q"}').with({ mimetype: 'text/plain' }));
  assert.equal(`${plain.status} ${plain.text}`, 'BAD_REQUEST Request STATUS_QUEUE: Expected a JSON payload');
});

test('capacity 2^31-1 costs no memory up front', async () => {
  await using env = await queueEnv();
  const client = await env.client();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 10; i++) await client.createQueue(`huge/${i}`, 2 ** 31 - 1);
  await env.server.createQueue('huge/server', { capacity: 2 ** 31 - 1, type: 'circular' });
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < 20 * 1024 * 1024, `heap grew by ${grown} bytes`);
  assert.equal((await client.queueStatus('huge/3')).capacity, 2 ** 31 - 1);
  assert.ok((await client.offer('huge/3', plainTextMessage('1', 't', 'x'))).responseOk);
});
