// /events, the server-sent event stream behind the dashboard: the first message carries the
// status and the sample history, later ones a sample each; the number of streams is bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from '../../src/index.js';

/** Reads SSE `data:` messages from a fetch body until `n` arrived (bounded by the caller's signal). */
async function readEvents(body: ReadableStream<Uint8Array>, n: number): Promise<unknown[]> {
  const out: unknown[] = [];
  let buf = '';
  const dec = new TextDecoder();
  for await (const chunk of body) {
    buf += dec.decode(chunk, { stream: true });
    let at: number;
    while ((at = buf.indexOf('\n\n')) >= 0) {
      const ev = buf.slice(0, at);
      buf = buf.slice(at + 2);
      if (ev.startsWith('data: ')) out.push(JSON.parse(ev.slice(6)));
      if (out.length === n) return out;
    }
  }
  return out;
}

test('the event stream sends the status with the history, then one sample per interval; one stream too many is refused', async () => {
  await using server = await createServer({ port: 0, http: { port: 0, sampleInterval: 100, maxEventStreams: 1 } });
  await using c = await connect({ uri: server.uri });
  await c.createQueue('q', 3);
  const ac = new AbortController();
  const deadline = setTimeout(() => ac.abort(), 10_000);
  try {
    const res = await fetch(`${server.httpUrl}/events`, { signal: ac.signal });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const second = await fetch(`${server.httpUrl}/events`, { signal: ac.signal });
    assert.equal(second.status, 503, 'maxEventStreams 1');
    await second.body?.cancel();
    const [first, next] = (await readEvents(res.body as ReadableStream<Uint8Array>, 2)) as Array<{
      status: { queues: Array<{ name: string }>; connections: unknown[] };
      history?: unknown[];
      uri?: string;
      sample?: { t: number; in: number };
    }>;
    assert.equal(first?.uri, server.uri);
    assert.ok(Array.isArray(first?.history));
    assert.deepEqual(first?.status.queues.map((q) => q.name), ['q']);
    assert.equal(next?.status.connections.length, 1);
    assert.equal(typeof next?.sample?.t, 'number');
  } finally {
    clearTimeout(deadline);
    ac.abort();
  }
});
