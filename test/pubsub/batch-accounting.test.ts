import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binaryMessage, type Client } from '../../src/index.js';
import { harness, sessions, within } from './helpers.js';

const TOTAL = 3000;
const WINDOW = 256;

/** Receives `TOTAL` pushes and returns their sequence numbers (first 4 payload bytes). */
async function receiveAll(client: Client): Promise<number[]> {
  const sub = await client.subscribe('seq');
  const seen: number[] = [];
  for await (const m of sub) {
    seen.push(m.data.readUInt32BE(0));
    if (seen.length === TOTAL) break;
  }
  return seen;
}

async function publishAll(pub: Client): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < TOTAL) {
      const data = Buffer.alloc(1000);
      data.writeUInt32BE(next++, 0);
      const a = await pub.publish(binaryMessage(null, 'seq', 'application/octet-stream', data));
      assert.ok(a.responseOk);
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, worker));
}

// Many pushes per event-loop turn go out as one batch with one write callback; with a small
// publishBufferSize the pushes also wait in the queue and are moved by those callbacks.
for (const publishBufferSize of [undefined, 16 * 1024]) {
  test(`batched pushes (publishBufferSize ${publishBufferSize ?? 'default'}): every subscriber gets all, in order; nothing stays held`, { timeout: 30_000 }, async () => {
    await using h = await harness(publishBufferSize === undefined ? {} : { publishBufferSize });
    const subs = [await h.client(), await h.client(), await h.client()];
    const pub = await h.client();
    const done = subs.map(receiveAll);
    await within(
      new Promise<void>((r) => {
        const check = (): void => (h.pubsub.subscriberCount('seq') === subs.length ? r() : void setImmediate(check));
        check();
      }),
      5000,
      'the subscriptions',
    );
    await publishAll(pub);
    const got = await within(Promise.all(done), 20_000, 'the subscribers');
    const expected = Array.from({ length: TOTAL }, (_, i) => i);
    for (const seen of got) assert.deepEqual(seen, expected);
    const subSessions = sessions(h).slice(0, subs.length);
    for (const s of subSessions) {
      assert.deepEqual(h.pubsub.statsOf(s), { delivered: TOTAL, dropped: 0, queued: 0, batched: 0, heldBytes: 0 });
    }
    assert.equal(h.server.stats.publishDiscardedCount, 0);
  });
}
