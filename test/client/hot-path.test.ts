/**
 * The client's lean per-call path (issue 11): pooled message ids, the factories' caches of
 * validated topics/mimetypes/charsets, and stats recorded by one-attempt calls without an
 * async wrapper. Behaviour must be what it was; these tests pin the edges of the shortcuts.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { binaryMessage, connect, createMessage, createServer, ErrorCode, isIpcError, plainTextMessage, textMessage } from '../../src/index.js';
import { newMessageId } from '../../src/message/ids.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function throwsCode(f: () => unknown, code: ErrorCode): void {
  assert.throws(f, (e: unknown) => isIpcError(e, code), `expected ${code}`);
}

test('message ids are distinct canonical v4 UUIDs across refills of the pool', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const id = newMessageId();
    assert.match(id, UUID_V4);
    ids.add(id);
  }
  assert.equal(ids.size, 1000);
  const m = plainTextMessage(null, 't', 'x');
  assert.match(m.id, UUID_V4);
  assert.ok(!ids.has(m.id));
});

test('the factories still reject bad topics, mimetypes and charsets after caching good ones', () => {
  const a = binaryMessage(null, 'orders', 'application/octet-stream', Buffer.alloc(1));
  const b = binaryMessage(null, 'orders', 'application/octet-stream', Buffer.alloc(1));
  assert.deepEqual(a.topics, ['orders']);
  assert.ok(Object.isFrozen(a.topics));
  assert.equal(a.topics, b.topics, 'one validated list per topic');
  throwsCode(() => binaryMessage(null, 'has space', 'application/octet-stream', Buffer.alloc(1)), ErrorCode.INVALID_TOPIC);
  throwsCode(() => binaryMessage(null, '', 'application/octet-stream', Buffer.alloc(1)), ErrorCode.INVALID_TOPIC);
  // Mimetypes: the empty string and blanks must not pass as "the last one validated".
  throwsCode(() => binaryMessage(null, 'orders', '', Buffer.alloc(1)), ErrorCode.INVALID_MIMETYPE);
  throwsCode(() => binaryMessage(null, 'orders', '   ', Buffer.alloc(1)), ErrorCode.INVALID_MIMETYPE);
  throwsCode(() => binaryMessage(null, 'orders', 'text/\nplain', Buffer.alloc(1)), ErrorCode.INVALID_MIMETYPE);
  assert.equal(binaryMessage(null, 'orders', '  text/x  ', Buffer.alloc(1)).mimetype, 'text/x');
  assert.equal(binaryMessage(null, 'orders', '  text/x  ', Buffer.alloc(1)).mimetype, 'text/x', 'trimmed again from the cache');
  // Charsets: the same, after a valid one.
  assert.equal(textMessage(null, 'orders', 'text/plain', 'UTF-8', 'x').charset, 'UTF-8');
  throwsCode(() => textMessage(null, 'orders', 'text/plain', '', 'x'), ErrorCode.INVALID_CHARSET);
  throwsCode(() => createMessage({ topic: 'orders', mimetype: 'text/plain', charset: ' ', data: 'x' }), ErrorCode.INVALID_CHARSET);
  // Options are still honoured without the per-call object spread.
  const exp = plainTextMessage('r1', ['a', 'b'], 'x', { durable: true, expiresAt: 5_000_000_000_000 });
  assert.equal(exp.durable, true);
  assert.equal(exp.expiresAtMillis, 5_000_000_000_000);
  assert.equal(exp.requestId, 'r1');
  assert.deepEqual(exp.topics, ['a', 'b']);
  throwsCode(() => plainTextMessage(null, 't', 'x', { expiresAt: 1, expiresIn: { value: 1, unit: 'days' } }), ErrorCode.INVALID_ARGUMENT);
});

test('one-attempt calls record their stats: answered, timed out, aborted before and while pending', async () => {
  await using server = await createServer({
    port: 0,
    handler: (m) => (m.topic === 'hang' ? new Promise<never>(() => undefined) : m),
  });
  await using client = await connect({ uri: server.uri, heartbeat: false });
  const answers = await Promise.all(Array.from({ length: 32 }, (_, i) => client.send(plainTextMessage(String(i), 'echo', `m${i}`))));
  answers.forEach((r, i) => assert.equal(r.text, `m${i}`));
  await assert.rejects(client.send(plainTextMessage(null, 'hang', 'x'), { timeout: 30 }), (e: unknown) => isIpcError(e, ErrorCode.TIMEOUT));
  const before = new AbortController();
  before.abort();
  await assert.rejects(client.send(plainTextMessage(null, 'echo', 'x'), { signal: before.signal }), (e: unknown) => isIpcError(e, ErrorCode.ABORTED));
  const during = new AbortController();
  const p = client.send(plainTextMessage(null, 'hang', 'x'), { signal: during.signal });
  during.abort();
  await assert.rejects(p, (e: unknown) => isIpcError(e, ErrorCode.ABORTED));
  const s = client.stats().operations['send'];
  assert.ok(s !== undefined);
  assert.equal(s.count, 32);
  assert.equal(s.errors, 3);
  assert.ok(s.p50 > 0 && s.p50 <= s.max, JSON.stringify(s));
  // A message sent twice at once gets a fresh id for the second call; both are answered.
  const m = plainTextMessage(null, 'echo', 'twice');
  const [r1, r2] = await Promise.all([client.send(m), client.send(m)]);
  assert.equal(r1.text, 'twice');
  assert.equal(r2.text, 'twice');
  assert.notEqual(r1.id, r2.id);
  assert.equal(client.stats().operations['send']?.count, 34);
});
