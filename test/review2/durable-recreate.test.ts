/** Review 2: a durable queue removed and created again under the same name. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dumpWalDir, plainTextMessage, type Client } from '../../src/index.js';
import { tempDir } from '../wal/helpers.js';
import { drainTexts, walEnv } from '../durable/helpers.js';

const durable = (text: string): ReturnType<typeof plainTextMessage> => plainTextMessage('1', 'test', text).with({ durable: true });

async function offerOk(c: Client, q: string, text: string): Promise<void> {
  const r = await c.offer(q, durable(text), { timeout: 300 });
  assert.equal(r.status, 'OK', `offer ${text}: ${r.text}`);
}

test('a durable queue re-created by one client while another removes it gets a fresh, working log; old records never come back', { timeout: 20_000 }, async (t) => {
  const dir = await tempDir(t);
  {
    await using env = await walEnv(dir);
    const a = await env.client();
    const b = await env.client();
    await a.createQueue('dq', 10, { durable: true });
    await offerOk(a, 'dq', 'old 1');
    await offerOk(a, 'dq', 'old 2');
    // Two Java clients may well do this at the same time: remove, and create the same name.
    await Promise.all([a.removeQueue('dq'), b.createQueue('dq', 10, { durable: true })]);
    assert.equal(env.server.existsQueue('dq'), true);
    // The re-created queue must accept durable offers and log them.
    await offerOk(b, 'dq', 'new 1');
    assert.deepEqual(env.server.queueStatus('dq').walError, undefined);
  }
  const dumped = await dumpWalDir(dir);
  const texts = dumped.flatMap((q) => q.entries.map((e) => e.payload.toString('latin1')));
  assert.equal(texts.some((s) => s.includes('old 1') || s.includes('old 2')), false, 'removed records are still in the WAL directory');
  {
    await using env = await walEnv(dir);
    const c = await env.client();
    assert.deepEqual(await drainTexts(c, 'dq'), ['new 1']);
  }
});
