import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  binaryMessage,
  createMessage,
  ErrorCode,
  isIpcError,
  jsonMessage,
  plainTextMessage,
  textMessage,
} from '../../src/index.js';
import { javaDouble, quoteJson } from '../../src/message/json.js';
import { OWN_PAYLOAD_MAX, ownPayload } from '../../src/message/message.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isIpcError(err) ? err.code : `not coded: ${String(err)}`;
  }
  return undefined;
}

test('plainTextMessage has the factory defaults of SEMANTICS §2.2', () => {
  const m = plainTextMessage('1', 'test', 'hello');
  assert.equal(m.type, 'NULL');
  assert.equal(m.status, 'NULL');
  assert.equal(m.oneway, false);
  assert.equal(m.durable, false);
  assert.equal(m.timeout, 300);
  assert.equal(m.expiresAt, null);
  assert.equal(m.expiresAtMillis, -1);
  assert.equal(m.mimetype, 'text/plain');
  assert.equal(m.charset, 'UTF-8');
  assert.equal(m.text, 'hello');
  assert.match(m.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('pretty JSON view matches the Venice output of seed example 14', () => {
  const m = plainTextMessage('1', 'test', 'hello').with({ timestamp: 1795607095436 });
  assert.equal(
    m.toJsonString(true),
    '{\n  "type": "NULL",\n  "status": "NULL",\n  "timestamp": 1795607095436,\n  "expires-at": null,\n  "request-id": "1",\n' +
      '  "oneway?": false,\n  "durable?": false,\n  "topic": "test",\n  "mimetype": "text/plain",\n  "charset": "UTF-8",\n  "text": "hello"\n}',
  );
  assert.equal(
    m.toJsonString(),
    '{"type":"NULL","status":"NULL","timestamp":1795607095436,"expires-at":null,"request-id":"1","oneway?":false,"durable?":false,"topic":"test","mimetype":"text/plain","charset":"UTF-8","text":"hello"}',
  );
});

test('JSON messages embed their data; binary messages Base64 (seed examples 16, 17)', () => {
  const j = jsonMessage('1', 'order', { item: 'espresso', count: 2 });
  assert.equal(j.mimetype, 'application/json');
  assert.equal(j.text, '{"item":"espresso","count":2}');
  assert.match(j.toJsonString(true), /"data": \{\n    "item": "espresso",\n    "count": 2\n  \}\n\}$/);
  assert.deepEqual(j.toObject().data, { item: 'espresso', count: 2 });
  const b = binaryMessage('1', 'test', 'application/octet-stream', new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]));
  assert.match(b.toJsonString(), /"mimetype":"application\/octet-stream","data":"AAECAwQFBgc="\}$/);
  assert.equal(b.toObject().charset, undefined);
});

test('doubles print as Java Double.toString, arrays inline, Venice escaping', () => {
  assert.equal(javaDouble(100), '100.0');
  assert.equal(javaDouble(1e20), '1.0E20');
  assert.equal(javaDouble(0.001), '0.001');
  assert.equal(javaDouble(1.5e-7), '1.5E-7');
  assert.equal(javaDouble(12345678.9), '1.23456789E7');
  const m = textMessage('1', 't', 'application/json', 'UTF-8', '{"a":100.0,"b":[1,2.5,{"c":1e20}],"s":"</x>\u0085\u2028"}');
  assert.equal(
    m.toJsonString(),
    '{"type":"NULL","status":"NULL","timestamp":' + m.timestamp +
      ',"expires-at":null,"request-id":"1","oneway?":false,"durable?":false,"topic":"t","mimetype":"application/json","data":{"a":100.0,"b":[1,2.5,{"c":1.0E20}],"s":"<\\/x>\\u0085\\u2028"}}',
  );
  assert.equal(quoteJson('a"b\\c\n\u0001'), '"a\\"b\\\\c\\n\\u0001"');
});

test('field() gives the Venice message-field values', () => {
  const m = textMessage('1', 'test', 'text/plain', 'UTF-8', 'Hello!');
  assert.equal(m.field('payload-text'), 'Hello!');
  assert.deepEqual([...(m.field('payload-binary') as Buffer)], [72, 101, 108, 108, 111, 33]);
  assert.equal(m.field('expires-at'), null);
  assert.equal(m.field('queue-name'), '');
  assert.equal(code(() => m.field('payload-venice')), ErrorCode.NOT_JSON);
  const b = binaryMessage(null, 'test', 'application/octet-stream', new Uint8Array([1]));
  assert.equal(code(() => b.text), ErrorCode.NOT_TEXT);
  assert.equal(code(() => b.json()), ErrorCode.NOT_JSON);
  assert.equal(b.requestId, null);
});

test('invalid fields are rejected at construction with coded errors (WIRE §3.2)', () => {
  assert.equal(code(() => plainTextMessage('1', '', 'x')), ErrorCode.INVALID_TOPIC);
  assert.equal(code(() => plainTextMessage('1', 'a b', 'x')), ErrorCode.INVALID_TOPIC);
  assert.equal(code(() => plainTextMessage('1', 'a,b', 'x')), ErrorCode.INVALID_TOPIC);
  assert.equal(code(() => plainTextMessage('1', 'a\u2028', 'x')), ErrorCode.INVALID_TOPIC);
  assert.equal(code(() => plainTextMessage('1', 'x'.repeat(101), 'x')), ErrorCode.INVALID_TOPIC);
  assert.equal(code(() => plainTextMessage('1', 'x'.repeat(100), 'x')), undefined);
  assert.equal(code(() => plainTextMessage('1', 'a\u00a0b', 'x')), undefined, 'no-break space is not Java whitespace');
  assert.equal(code(() => createMessage({ topic: Array.from({ length: 21 }, (_, i) => `t${i}`), mimetype: 'a/b' })), ErrorCode.INVALID_TOPIC);
  assert.equal(code(() => createMessage({ topic: ['a', 'a'], mimetype: 'a/b' })), ErrorCode.INVALID_TOPIC);
  assert.equal(code(() => plainTextMessage('1\n2', 't', 'x')), ErrorCode.INVALID_FIELD);
  assert.equal(code(() => textMessage('1', 't', 'text/plain\r', 'UTF-8', 'x')), ErrorCode.INVALID_MIMETYPE);
  assert.equal(code(() => textMessage('1', 't', 'm'.repeat(101), 'UTF-8', 'x')), ErrorCode.INVALID_MIMETYPE);
  assert.equal(code(() => textMessage('1', 't', 'text/plain', 'NO-SUCH-CHARSET', 'x')), ErrorCode.INVALID_CHARSET);
  assert.equal(code(() => textMessage('1', 't', 'text/plain', 'UTF-8\n', 'x')), ErrorCode.INVALID_CHARSET);
  assert.equal(code(() => jsonMessage('1', 't', { n: 1n })), undefined, 'bigints become strings as in Venice');
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  assert.equal(code(() => jsonMessage('1', 't', cyclic)), ErrorCode.NOT_JSON);
});

test('expiry: absolute, relative, and isExpired is strict', () => {
  const now = Date.now();
  const m = plainTextMessage('1', 't', 'x', { expiresIn: { value: 5, unit: 'minutes' } });
  assert.ok(m.expiresAtMillis >= now + 300_000 && m.expiresAtMillis <= Date.now() + 300_000);
  assert.equal(m.isExpired(), false);
  const past = plainTextMessage('1', 't', 'x', { expiresIn: { value: -1, unit: 'seconds' } });
  assert.equal(past.isExpired(), true);
  const abs = plainTextMessage('1', 't', 'x', { expiresAt: 1000 });
  assert.equal(abs.isExpired(1000), false);
  assert.equal(abs.isExpired(1001), true);
  assert.equal(code(() => plainTextMessage('1', 't', 'x', { expiresAt: 1, expiresIn: { value: 1, unit: 'days' } })), ErrorCode.INVALID_ARGUMENT);
});

test('text charsets round-trip (ISO-8859-1, UTF-16)', () => {
  const l = textMessage('1', 't', 'text/plain', 'ISO-8859-1', 'Grüße');
  assert.deepEqual([...l.data], [0x47, 0x72, 0xfc, 0xdf, 0x65]);
  assert.equal(l.text, 'Grüße');
  const u = textMessage('1', 't', 'text/plain', 'UTF-16', 'hi');
  assert.deepEqual([...u.data], [0xfe, 0xff, 0, 0x68, 0, 0x69]);
  assert.equal(u.text, 'hi');
});

test('responseOk / responseErr / isOneway follow API.md §9', () => {
  const m = plainTextMessage('1', 't', 'x');
  assert.equal(m.responseOk, false);
  assert.equal(m.responseErr, false);
  assert.equal(m.with({ status: 'OK' }).responseOk, true);
  assert.equal(m.with({ status: 'QUEUE_EMPTY' }).responseErr, true);
  assert.equal(m.with({ oneway: true }).isOneway(), true);
});

test('a decoded payload keeps only its own bytes: a small view into a larger buffer is copied, anything else is kept', () => {
  const chunk = Buffer.alloc(64 * 1024, 7);
  const view = chunk.subarray(100, 1100);
  const own = ownPayload(view);
  assert.notEqual(own.buffer, chunk.buffer);
  assert.equal(own.buffer.byteLength, 1000);
  assert.deepEqual(own, view);
  const whole = Buffer.alloc(1000);
  assert.equal(ownPayload(whole), whole, 'a buffer of its own is not copied');
  const big = Buffer.alloc(OWN_PAYLOAD_MAX * 3).subarray(0, OWN_PAYLOAD_MAX + 1);
  assert.equal(ownPayload(big), big, 'large payloads are not copied');
});

test('ownPayload: an empty payload is the shared empty buffer; clients copy small views into the pool', () => {
  const chunk = Buffer.alloc(64 * 1024, 7);
  assert.equal(ownPayload(chunk.subarray(5, 5)).length, 0);
  assert.equal(ownPayload(chunk.subarray(5, 5)), ownPayload(Buffer.alloc(0)));
  const view = chunk.subarray(100, 1100);
  const pooled = ownPayload(view, false);
  assert.notEqual(pooled.buffer, chunk.buffer, 'not a view of the chunk');
  assert.equal(pooled.buffer.byteLength, Buffer.poolSize, 'a slice of the shared pool');
  assert.deepEqual(pooled, view);
  const larger = chunk.subarray(0, 5000); // at or above half the pool size: a buffer of its own
  const own = ownPayload(larger, false);
  assert.equal(own.buffer.byteLength, 5000);
  assert.deepEqual(own, larger);
});
