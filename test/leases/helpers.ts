/** Helpers for the at-least-once tests. */
import assert from 'node:assert/strict';
import { plainTextMessage, type Client, type LeasedMessage } from '../../src/index.js';

/** Offers text messages `names` (request id and payload = the name), in order. */
export async function offerAll(c: Client, queue: string, names: readonly string[], durable = false): Promise<void> {
  for (const n of names) {
    const r = await c.offer(queue, plainTextMessage(n, 'work', n, { durable }));
    assert.equal(r.status, 'OK', `offer ${n}: ${r.text}`);
  }
}

/** A lease poll that must hand out a message. */
export async function lease(c: Client, queue: string, ms: number, wait = 0): Promise<LeasedMessage> {
  const m = await c.poll(queue, { lease: ms, timeout: wait });
  assert.equal(m.status, 'OK', `lease poll of ${queue}: ${m.status} ${m.responseOk ? '' : m.text}`);
  return m;
}

/** Polls `check` (each call a request round trip) until it is true, at most `deadlineMs`. */
export async function until(check: () => Promise<boolean>, what: string, deadlineMs = 5000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise<void>((r) => setImmediate(r));
  }
}

