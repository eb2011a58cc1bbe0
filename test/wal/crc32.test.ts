import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { crc32 } from '../../src/wal/crc32.js';
import { slowCrc32 } from './helpers.js';

test('crc32 matches the standard check value and the Venice CONFIG example', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.alloc(0)), 0);
  // SEMANTICS §6.4: CONFIG payload for capacity 100, bounded, uncompressed.
  assert.equal(crc32(Buffer.from('000000640000000000000000', 'hex')), 0x7a5a16c7);
});

test('crc32 agrees with a bitwise implementation at every length and split point', () => {
  const data = randomBytes(67);
  for (let n = 0; n <= data.length; n++) {
    const part = data.subarray(0, n);
    assert.equal(crc32(part), slowCrc32(part), `length ${n}`);
    for (const cut of [0, Math.min(1, n), n >> 1, n]) {
      assert.equal(crc32(part, crc32(part, 0, 0, cut), cut), slowCrc32(part), `length ${n} cut ${cut}`);
    }
  }
});
