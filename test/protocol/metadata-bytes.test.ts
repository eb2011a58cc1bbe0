import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMetadata, decodeMetadataBytes } from '../../src/protocol/metadata.js';

const utf8 = (b: Buffer): string => new TextDecoder('utf-8', { fatal: true }).decode(b);

/** decodeMetadataBytes must give exactly what decodeMetadata gives on the text, value or error. */
function outcome(f: () => unknown): unknown {
  try {
    return { ok: f() };
  } catch (err) {
    const e = err as { code?: string; message?: string; name?: string };
    return { err: [e.name, e.code, e.message] };
  }
}

const ID = 'c0a80101-0000-4000-8000-00000000abcd';
const base = ['0', '1', '0', 'req-1', '20', '0', 'orders', 'replies', 'a,b', 'application/json', 'UTF-8', ID];

function variants(): Buffer[] {
  const out: Buffer[] = [];
  const lines = (ls: string[], sep = '\n', tail = ''): Buffer => Buffer.from(ls.join(sep) + tail, 'utf8');
  const edit = (i: number, v: string): string[] => base.map((x, k) => (k === i ? v : x));
  out.push(lines(base), lines(base, '\n', '\n'), lines(base, '\n', '\n\n'), lines(base, '\r\n'), lines(base, '\r'));
  out.push(lines(base.slice(0, 11)), lines([...base, 'x']), lines(base.slice(0, 11), '\n', '\n'), lines(edit(11, '')));
  for (const [i, vals] of [
    [0, ['1', '0', '', ' 1', '2', '11']],
    [1, ['1', 'true', '']],
    [2, ['1', '0']],
    [3, ['', '  ', ' r ', 'x'.repeat(200), 'ünï', '\tid\t']],
    [4, ['0', '10', '0020', '+20', '-1', '99', '9999', '00070', '12345', ' 20', '20 ', 'x', '']],
    [5, ['0', '1', '3', '+0', '-0', '42', '']],
    [6, ['', ' ', ' q ', 'queue/ü', 'q'.repeat(300)]],
    [7, ['', 'r', ' r ']],
    [8, ['', 'a', 'a,a', 'a , b', ' a', 'a,,', ',a', 'a b', Array.from({ length: 20 }, (_, k) => `t${k}`).join(','), 'x'.repeat(101), 'ä']],
    [9, ['', 'text/plain', 'x'.repeat(100), 'x'.repeat(101), ' text/plain ']],
    [10, ['', ' ', 'UTF-8', ' UTF-8 ', 'x'.repeat(50), 'x'.repeat(51), ` ${'x'.repeat(50)} `]],
    [11, [ID.toUpperCase(), ` ${ID} `, ID.slice(1), `${ID}x`, ID.replace('-', '_'), 'g'.repeat(36), '']],
  ] as const) {
    for (const v of vals) out.push(lines(edit(i, v)));
  }
  out.push(Buffer.concat([lines(edit(6, 'q')), Buffer.from([0xff])]), Buffer.from([0xc3, 0x28]), Buffer.alloc(0), Buffer.from('\n'.repeat(11)));
  return out;
}

test('decodeMetadataBytes gives the same fields or the same error as decodeMetadata on the text', () => {
  const vs = variants();
  assert.ok(vs.length > 70);
  let fast = 0;
  for (const b of vs) {
    const expected = outcome(() => decodeMetadata(utf8(b)));
    const got = outcome(() => decodeMetadataBytes(b, utf8));
    assert.deepEqual(got, expected, JSON.stringify(b.toString('latin1')));
    if ('ok' in (expected as object)) fast++;
  }
  assert.ok(fast > 30, `${fast} valid variants`);
});

test('decodeMetadataBytes fields are flat strings that do not keep the metadata alive', () => {
  const b = Buffer.from(base.join('\n'));
  const m = decodeMetadataBytes(b, utf8);
  assert.equal(m.id, ID);
  assert.equal(m.requestId, 'req-1');
  assert.deepEqual(m.topics, ['a', 'b']);
  assert.equal(m.queueName, 'orders');
  b.fill(0x20); // the fields are copies, not views of the buffer
  assert.equal(m.id, ID);
  assert.equal(m.queueName, 'orders');
});

test('the common case is parsed from the bytes; unusual input falls back to the text', () => {
  let calls = 0;
  const counting = (b: Buffer): string => {
    calls++;
    return utf8(b);
  };
  for (const ls of [base, base.map((x, i) => (i === 11 ? ID.toUpperCase() : i === 3 ? '' : x))]) {
    decodeMetadataBytes(Buffer.from(ls.join('\n')), counting);
    decodeMetadataBytes(Buffer.from(ls.join('\n') + '\n'), counting);
  }
  assert.equal(calls, 0);
  decodeMetadataBytes(Buffer.from(base.join('\r\n')), counting);
  decodeMetadataBytes(Buffer.from(base.map((x, i) => (i === 6 ? 'queue/ü' : x)).join('\n')), counting);
  assert.equal(calls, 2);
});
