import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer as netServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createServer, isIpcError } from '../../src/index.js';

test('a server whose engine cannot be reached does not start: CLUSTER_CONNECT_FAILED', async () => {
  // A port that was free a moment ago: nothing listens there.
  const s = netServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  await assert.rejects(
    createServer({ port: 0, cluster: { servers: `nats://127.0.0.1:${port}`, requestTimeout: 500 } }),
    (e: unknown) => isIpcError(e, 'VIPC_ERR_CLUSTER_CONNECT_FAILED'),
  );
});

test('the embedded mode does not load the NATS client (checked in a fresh process)', () => {
  const index = new URL('../../src/index.js', import.meta.url).href;
  const script = `
    import { createRequire } from 'node:module';
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/nats/'));
    const { createServer } = await import(${JSON.stringify(index)});
    const server = await createServer({ port: 0 });
    await server.queueStatus('q');
    const embedded = loaded();
    await server.close();
    await import('nats');
    console.log(JSON.stringify({ embedded, afterImport: loaded() }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('.', import.meta.url)), timeout: 20_000 });
  // The second figure shows the check can see the package once it is loaded.
  assert.deepEqual(JSON.parse(out.toString()), { embedded: false, afterImport: true });
});
