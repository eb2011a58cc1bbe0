import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchmark, createServer, ErrorCode, formatBenchmarkSummary, isIpcError } from '../../src/index.js';
import type { ServerCore } from '../../src/server/core.js';
import { textResponse } from '../../src/server/responses.js';

const SUMMARY = new RegExp(
  [
    '^Messages: {9}\\d+',
    'Payload size: {5}\\d+ KB',
    'Encryption: {7}(on|off)',
    '-{30}',
    'Duration: {9}\\d+\\.\\d s',
    'Total bytes: {6}\\d+\\.\\d MB',
    'Throughput msgs: {2}\\d+(\\.\\d)? msg/s',
    'Throughput bytes: \\d+(\\.\\d)? MB/s$',
  ].join('\\n'),
);

test('benchmark starts its own server and reports every result field', async () => {
  const r = await benchmark({ msgSize: '2KB', msgCount: 40, durationSeconds: 10 });
  assert.equal(r.messageCount, 40);
  assert.equal(r.messageSize, 2048);
  assert.equal(r.totalBytesSent, 40 * 2048);
  assert.ok(r.durationMillis > 0);
  assert.ok(r.throughputMsgs > 0);
  assert.ok(Math.abs(r.throughputMB - r.totalBytesSent / 1048576 / (r.durationMillis / 1000)) < 1e-9);
  assert.ok(r.latencyP50Millis > 0 && r.latencyP99Millis >= r.latencyP50Millis);
  assert.equal(r.params.inFlight, 1);
  assert.equal(r.params.startServer, true);
  assert.match(r.params.uri, /^af-inet:\/\/127\.0\.0\.1:\d+$/);
  assert.match(r.summary, SUMMARY);
  assert.ok(r.summary.startsWith('Messages:         40\nPayload size:     2 KB\nEncryption:       off\n'));
});

test('benchmark keeps several requests in flight against an existing server over a Unix socket', async () => {
  const path = join(tmpdir(), `vipc-bench-test-${process.pid}.sock`);
  await using server = await createServer({ path, maxMessageSize: '1MB' });
  const r = await benchmark({ uri: server.uri, startServer: false, msgSize: 100, msgCount: 200, durationSeconds: 10, inFlight: 8 });
  assert.equal(r.messageCount, 200);
  assert.equal(r.params.inFlight, 8);
  assert.equal(r.summary.split('\n')[1], 'Payload size:     0 KB');
  assert.equal(server.stats.messageCount >= 200, true);
});

test('benchmark stops at the duration', async () => {
  const r = await benchmark({ msgSize: 0, msgCount: Number.MAX_SAFE_INTEGER, durationSeconds: 0.2 });
  assert.ok(r.messageCount > 0);
  assert.ok(r.durationMillis >= 200 && r.durationMillis < 5000);
});

test('a non-OK answer aborts the benchmark with a coded error', async () => {
  await using server = await createServer({ port: 0 });
  (server as unknown as ServerCore).features.set('refuse-test', {
    handlers: { TEST: (_ctx, msg) => textResponse(msg, 'BAD_REQUEST', 'no benchmarks here') },
  });
  await assert.rejects(
    benchmark({ uri: server.uri, startServer: false, msgSize: 10, msgCount: 5, durationSeconds: 5 }),
    (err: unknown) => isIpcError(err, ErrorCode.REQUEST_FAILED) && /Bad response: BAD_REQUEST/.test((err as Error).message),
  );
});

test('benchmark rejects bad options with coded errors', async () => {
  await assert.rejects(benchmark({ msgSize: '5XB', msgCount: 1, durationSeconds: 1 }), (e: unknown) => isIpcError(e, ErrorCode.INVALID_SIZE));
  await assert.rejects(benchmark({ msgSize: 1, msgCount: 0, durationSeconds: 1 }), (e: unknown) => isIpcError(e, ErrorCode.INVALID_OPTION));
  await assert.rejects(benchmark({ msgSize: 1, msgCount: 1, durationSeconds: 0 }), (e: unknown) => isIpcError(e, ErrorCode.INVALID_OPTION));
  await assert.rejects(
    benchmark({ msgSize: 1, msgCount: 1, durationSeconds: 1, inFlight: 1.5 }),
    (e: unknown) => isIpcError(e, ErrorCode.INVALID_OPTION),
  );
});

test('the summary uses Venice rounding', () => {
  const s = formatBenchmarkSummary({
    messageCount: 3,
    messageSize: 52428800,
    durationMillis: 1234,
    totalBytesSent: 3 * 52428800,
    throughputMsgs: 2.4311,
    throughputMB: 121.55,
    encrypt: false,
  });
  assert.equal(
    s,
    [
      'Messages:         3',
      'Payload size:     51200 KB',
      'Encryption:       off',
      '------------------------------',
      'Duration:         1.2 s',
      'Total bytes:      150.0 MB',
      'Throughput msgs:  2.4 msg/s',
      'Throughput bytes: 122 MB/s',
    ].join('\n'),
  );
});
