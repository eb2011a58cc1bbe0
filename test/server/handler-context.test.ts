// The handler's context makes its signal only when read (issue 11): a signal read late is
// already aborted when the handler timeout passed or the client went away meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, ErrorCode, isIpcError, plainTextMessage, type HandlerContext } from '../../src/index.js';
import { until } from '../helpers/net.js';

test('a signal first read after the handler timeout passed is aborted with a TimeoutError', async () => {
  let ctx: HandlerContext | undefined;
  await using server = await createServer({
    port: 0,
    handlerTimeout: 50,
    handler: (_m, c) => {
      ctx = c; // the signal is not read here
      return new Promise<never>(() => undefined);
    },
  });
  await using client = await connect({ uri: server.uri });
  const res = await client.send(plainTextMessage('1', 'hang', 'x'));
  assert.equal(res.status, 'HANDLER_ERROR');
  assert.ok(ctx !== undefined);
  assert.equal(ctx.signal.aborted, true);
  assert.ok(isIpcError(ctx.signal.reason, ErrorCode.TIMEOUT), String(ctx.signal.reason));
  assert.equal(ctx.signal, ctx.signal, 'one signal per request');
  assert.equal(ctx.principal, 'anon');
  assert.equal(typeof ctx.connectionId, 'number');
});

test('a signal first read after the client disconnected is aborted; one read before aborts on disconnect', async () => {
  const contexts: HandlerContext[] = [];
  const early: AbortSignal[] = [];
  await using server = await createServer({
    port: 0,
    handler: (m, c) => {
      contexts.push(c);
      if (m.topic === 'early') early.push(c.signal);
      return m.topic === 'echo' ? m : new Promise<never>(() => undefined);
    },
  });
  const client = await connect({ uri: server.uri });
  assert.equal((await client.send(plainTextMessage('0', 'echo', 'x'))).text, 'x');
  void client.send(plainTextMessage('1', 'late', 'x')).catch(() => undefined);
  void client.send(plainTextMessage('2', 'early', 'x')).catch(() => undefined);
  await until(() => contexts.length === 3, 3000, 'both hanging requests reached the handler');
  assert.equal(early[0]?.aborted, false);
  client.destroy();
  await until(() => server.connectionCount === 0, 3000, 'the server saw the disconnect');
  assert.equal(early[0]?.aborted, true, 'a signal read while running aborts on disconnect');
  for (const c of contexts) assert.equal(c.signal.aborted, true);
  assert.equal(contexts[1]?.signal.reason instanceof Error, true);
});
