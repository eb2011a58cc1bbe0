import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapePropertyKey, formatProperties, javaDateString, parseProperties } from '../../src/auth/properties.js';

const T = { timeout: 5_000 };
const parse = (text: string): Array<[string, string]> => [...parseProperties(text)];

// Names and their escaped forms as Venice 1.12.71 wrote them (SEMANTICS §8.3).
const JAVA_KEYS: Array<[string, string]> = [
  ['a b', 'a\\ b'],
  [' lead', '\\ lead'],
  ['k=v:w#x!y', 'k\\=v\\:w\\#x\\!y'],
  ['back\\slash', 'back\\\\slash'],
  ['tab\tuser', 'tab\\tuser'],
  ['u-α', 'u-α'],
  ['', ''],
];

test('escapes keys exactly as Java Properties.store', T, () => {
  for (const [key, escaped] of JAVA_KEYS) assert.equal(escapePropertyKey(key), escaped, JSON.stringify(key));
  assert.equal(escapePropertyKey('cr\rlf\nff\f'), 'cr\\rlf\\nff\\f');
  assert.equal(escapePropertyKey('"quote";<>~\u0001'), '"quote";<>~\u0001');
});

test('writes a credentials file byte for byte as Java', T, () => {
  const hash = 'f13424c037313b9aeb14b809ea4890143e5a4a65a1ad42bf9a3055b62539bbaf:0012345';
  const text = formatProperties(
    JAVA_KEYS.map(([k]): [string, string] => [k, hash]),
    { comment: 'IPC user credentials', date: new Date(Date.UTC(2026, 10, 25, 11, 30, 7)) },
  );
  const expected =
    '#IPC user credentials\n#Wed Nov 25 11:30:07 UTC 2026\n' +
    JAVA_KEYS.map(([, e]) => `${e}=${hash.replace(':', '\\:')}\n`).join('');
  assert.equal(text, expected);
  assert.ok(Buffer.from(text, 'utf8').includes(Buffer.from([0x75, 0x2d, 0xce, 0xb1]))); // raw UTF-8 "u-α"
});

test('escapes values: only a leading space, plus the specials', T, () => {
  const text = formatProperties([['k', ' a b=c:d#e!f\\g\th']], { date: new Date(0) });
  assert.equal(text, '#Thu Jan 01 00:00:00 UTC 1970\nk=\\ a b\\=c\\:d\\#e\\!f\\\\g\\th\n');
});

test('writes comments as Java writeComments', T, () => {
  const d = new Date(Date.UTC(2024, 1, 29, 23, 59, 59));
  assert.equal(formatProperties([], { comment: 'a\nb\r\n#c\rλ', date: d }), '#a\n#b\n#c\n#\\u03BB\n#Thu Feb 29 23:59:59 UTC 2024\n');
  assert.equal(formatProperties([], { comment: null, date: d }), '#Thu Feb 29 23:59:59 UTC 2024\n');
  assert.equal(javaDateString(new Date(Date.UTC(2026, 0, 4, 3, 2, 1))), 'Sun Jan 04 03:02:01 UTC 2026');
});

test('reads back every name Java escapes', T, () => {
  const text = formatProperties(JAVA_KEYS.map(([k]): [string, string] => [k, ` v:${k}`]));
  assert.deepEqual(parse(text), JAVA_KEYS.map(([k]) => [k, ` v:${k}`]));
});

test('reads comments, blank lines and every separator form', T, () => {
  const text = [
    '# comment',
    '! bang comment',
    '   # indented comment',
    '',
    '   ',
    'a=1',
    'b:2',
    'c 3',
    'd\t =\t 4',
    'e  :  : 5',
    'f',
    '  g = 7  ',
    'h==8',
    'i\\ j = 9',
    'x=#not a comment',
  ].join('\n');
  assert.deepEqual(parse(text), [
    ['a', '1'],
    ['b', '2'],
    ['c', '3'],
    ['d', '4'],
    ['e', ': 5'],
    ['f', ''],
    ['g', '7  '],
    ['h', '=8'],
    ['i j', '9'],
    ['x', '#not a comment'],
  ]);
});

test('joins continuation lines on an odd number of trailing backslashes', T, () => {
  assert.deepEqual(parse('a=one\\\n    two\\\n\tthree\nb=c'), [
    ['a', 'onetwothree'],
    ['b', 'c'],
  ]);
  assert.deepEqual(parse('a=even\\\\\nb=c'), [
    ['a', 'even\\'],
    ['b', 'c'],
  ]);
  assert.deepEqual(parse('a=odd\\\\\\\nb=c'), [['a', 'odd\\b=c']]);
  // CRLF and CR line ends, continuation across CRLF.
  assert.deepEqual(parse('a=1\r\nb=x\\\r\n  y\rc=3'), [
    ['a', '1'],
    ['b', 'xy'],
    ['c', '3'],
  ]);
  // A continuation line starting with # is not a comment; an empty one ends the line.
  assert.deepEqual(parse('a=1\\\n#2\nb=x\\\n\nc=3'), [
    ['a', '1#2'],
    ['b', 'x'],
    ['c', '3'],
  ]);
  // A key continued onto the next line; a trailing backslash at end of input is dropped.
  assert.deepEqual(parse('ke\\\n  y=v\\'), [['key', 'v']]);
  // A comment line never continues.
  assert.deepEqual(parse('# c \\\na=1'), [['a', '1']]);
});

test('decodes escapes: \\t \\n \\r \\f \\uXXXX and \\c → c', T, () => {
  assert.deepEqual(parse('k\\u00e9\\u03B1=\\t\\n\\r\\f\\u0041\\q\\"\\\\'), [['kéα', '\t\n\r\fAq"\\']]);
  assert.deepEqual(parse('\\uD83D\\uDE00=smile'), [['😀', 'smile']]);
  assert.deepEqual(parse('\\=\\:\\ \\#=v'), [['=: #', 'v']]);
  assert.throws(() => parseProperties('k=\\u12'), /Malformed \\uxxxx encoding/);
  assert.throws(() => parseProperties('k=\\u12x4'), /Malformed \\uxxxx encoding/);
});

test('keeps the first position and the last value of a duplicate key; ignores a BOM', T, () => {
  assert.deepEqual(parse('\uFEFFa=1\nb=2\na=3'), [
    ['a', '3'],
    ['b', '2'],
  ]);
});

test('reads the credentials file written by Venice 1.12.71', T, () => {
  const text = '#IPC user credentials\n#Wed Nov 25 11:34:37 UTC 2026\ntom=f61fdd145f703f45995dcdeb610112bfbfbcbe8b31d0379dfda2e630d4a9ec07\\:1947611\n';
  assert.deepEqual(parse(text), [['tom', 'f61fdd145f703f45995dcdeb610112bfbfbcbe8b31d0379dfda2e630d4a9ec07:1947611']]);
});
