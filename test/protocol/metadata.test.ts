import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMetadata, decodeTopics, splitLines } from '../../src/protocol/metadata.js';
import { ErrorCode, isIpcError } from '../../src/index.js';
import { metaText } from '../helpers/frames.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isIpcError(err) ? err.code : 'not coded';
  }
  return undefined;
}

test('lines split like BufferedReader.lines()', () => {
  assert.deepEqual(splitLines('a\r\nb\rc\nd\n'), ['a', 'b', 'c', 'd']);
  assert.deepEqual(splitLines(''), []);
  assert.deepEqual(splitLines('\n'), ['']);
});

test('CRLF line ends, a trailing LF and a leading + on codes are accepted', () => {
  const m = decodeMetadata(metaText().replaceAll('\n', '\r\n') + '\r\n');
  assert.equal(m.type, 'REQUEST');
  assert.equal(decodeMetadata(metaText({ lines: ['0', '0', '0', '', '+0', '99', '', '', 't', 'm', '', 'A0B7E8F3-1C2D-4E5F-A6B7-C8D9E0F1A2B3'] })).id,
    'a0b7e8f3-1c2d-4e5f-a6b7-c8d9e0f1a2b3');
});

test('11 or 13 lines, unknown codes, bad ids are coded errors', () => {
  const lines = metaText().split('\n');
  assert.equal(code(() => decodeMetadata(lines.slice(0, 11).join('\n'))), ErrorCode.BAD_METADATA);
  assert.equal(code(() => decodeMetadata([...lines, 'x'].join('\n'))), ErrorCode.BAD_METADATA);
  assert.equal(code(() => decodeMetadata(metaText({ type: 7 }))), ErrorCode.UNKNOWN_TYPE);
  assert.equal(code(() => decodeMetadata(metaText({ status: 98 }))), ErrorCode.UNKNOWN_STATUS);
  assert.equal(code(() => decodeMetadata(metaText({ id: 'not-a-uuid' }))), ErrorCode.BAD_METADATA);
  const spaced = metaText().split('\n');
  spaced[4] = ' 0';
  assert.equal(code(() => decodeMetadata(spaced.join('\n'))), ErrorCode.BAD_METADATA);
});

test('topic line rules of WIRE §3 notes', () => {
  assert.deepEqual(decodeTopics('a ,b'), ['a', 'b']);
  assert.deepEqual(decodeTopics('a , b'), ['a', 'b']);
  assert.deepEqual(decodeTopics('a,'), ['a']);
  assert.deepEqual(decodeTopics('b,a,b,c'), ['b', 'a', 'c'], 'duplicates dropped, first occurrence kept');
  for (const bad of [',a', 'a,,b', ',', '', ' a', 'a ', 'a\t,b']) {
    assert.equal(code(() => decodeTopics(bad)), ErrorCode.BAD_METADATA, JSON.stringify(bad));
  }
  assert.equal(code(() => decodeTopics(Array.from({ length: 21 }, (_, i) => `t${i}`).join(','))), ErrorCode.BAD_METADATA);
});

test('a repeated topic line decodes to the same frozen list; a bad line is refused every time', () => {
  const line = ['orders', 'eu', 'orders'].join(',');
  const first = decodeTopics(line);
  assert.deepEqual(first, ['orders', 'eu']);
  assert.ok(Object.isFrozen(first));
  assert.equal(decodeTopics(['orders', 'eu', 'orders'].join(',')), first, 'an equal line (another string) hits the table');
  for (let i = 0; i < 2; i++) assert.equal(code(() => decodeTopics('a,,b')), ErrorCode.BAD_METADATA);
});
