/**
 * Review: client close() with requests in flight.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, createServer } from '../../src/index.js';

/*
 * Defect: ClientImpl.#close (src/client/client.ts:354-365) waits until *every* pending request
 * has settled before closing the socket. A poll's response timeout is wait + 5 s
 * (src/client/queues.ts:75-77), so with a long poll in flight close() takes as long as the
 * queue wait (with `timeout: Infinity`, ~24.8 days): `await using client` / shutdown code hangs.
 * README: "close() … waits for pending ones up to the request timeout" (10 s) — it does not.
 */
test('client close() with a long poll in flight does not return in bounded time', { timeout: 20_000 }, async () => {
  const server = await createServer({ port: 0 });
  try {
    await server.createQueue('q', { capacity: 10 });
    const client = await connect({ uri: server.uri, timeout: 2000 });
    const poll = client.poll('q', { timeout: 60_000 }).catch((e: unknown) => e);
    await sleep(100);
    const t0 = Date.now();
    const outcome = await Promise.race([client.close().then(() => 'closed'), sleep(5000).then(() => 'still closing')]);
    assert.equal(outcome, 'closed', `client.close() had not returned after ${Date.now() - t0} ms (client timeout 2000 ms)`);
    await poll;
  } finally {
    await server.close(); // interrupts the poll, which lets a hanging close() finish
  }
});
