import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageFromFields } from '../../src/message/message.js';
import { FrameDecoder, type RawFrame } from '../../src/protocol/frame-decoder.js';
import { MessageCodec } from '../../src/transport/message-codec.js';

function roundTrip(codec: MessageCodec, bufs: Buffer[]): RawFrame {
  const frames: RawFrame[] = [];
  new FrameDecoder(codec.frameLimits()).push(Buffer.concat(bufs), (f) => frames.push(f));
  assert.equal(frames.length, 1);
  return frames[0]!;
}

test('checkSize then encode of another message encodes that message, not the cached one', () => {
  const codec = new MessageCodec(1 << 20);
  const a = messageFromFields({ type: 'REQUEST', topics: ['a'], mimetype: 'text/plain', charset: 'UTF-8', data: Buffer.from('A') });
  const b = messageFromFields({ type: 'TEST', topics: ['heartbeat'], mimetype: 'application/octet-stream', data: Buffer.alloc(3000) });
  codec.checkSize(a);
  const bufs = codec.encode(b);
  assert.ok(Array.isArray(bufs));
  const decoded = codec.decode(roundTrip(codec, bufs));
  assert.ok(!(decoded instanceof Promise));
  assert.equal(decoded.id, b.id);
  assert.equal(decoded.type, 'TEST');
  assert.deepEqual(decoded.topics, ['heartbeat']);
  assert.equal(decoded.charset, null);
  assert.equal(decoded.data.length, 3000);
});

test('decode carries every metadata and header field into the message', () => {
  const codec = new MessageCodec(1 << 20);
  const m = messageFromFields({
    type: 'OFFER',
    status: 'OK',
    oneway: true,
    durable: true,
    requestId: 'r-1',
    topics: ['t1', 't2'],
    queueName: 'q',
    replyToQueueName: 'reply',
    mimetype: 'text/plain',
    charset: 'UTF-8',
    timestamp: 1764072000123,
    expiresAtMillis: 1764072999999,
    timeout: 1500,
    data: Buffer.from('hello'),
  });
  codec.checkSize(m);
  const bufs = codec.encode(m);
  assert.ok(Array.isArray(bufs));
  const d = codec.decode(roundTrip(codec, bufs));
  assert.ok(!(d instanceof Promise));
  for (const k of ['id', 'type', 'status', 'oneway', 'durable', 'subscriptionReply', 'requestId', 'queueName', 'replyToQueueName', 'mimetype', 'charset', 'timestamp', 'expiresAtMillis', 'timeout'] as const) {
    assert.equal(d[k], m[k], k);
  }
  assert.deepEqual(d.topics, ['t1', 't2']);
  assert.equal(d.data.toString(), 'hello');
});
