import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ErrorCode, IpcError, isIpcError } from '../src/index.js';

test('every error code is documented in docs/errors.md', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const missing = Object.values(ErrorCode).filter((code) => !doc.includes('`' + code + '`'));
  assert.deepEqual(missing, []);
});

test('IpcError carries its code and cause', () => {
  const cause = new Error('low');
  const err = new IpcError(ErrorCode.TIMEOUT, 'late', { cause });
  assert.equal(err.code, 'VIPC_ERR_TIMEOUT');
  assert.equal(err.cause, cause);
  assert.ok(isIpcError(err, ErrorCode.TIMEOUT));
  assert.ok(!isIpcError(err, ErrorCode.ABORTED));
});
