/** The fault-injecting proxy helper does what it says (cuts at exact offsets, blackholes, resets, delays). */
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { startProxy } from '../helpers/proxy.js';
import { until } from '../helpers/net.js';

/** A TCP echo server on 127.0.0.1:0. */
async function echoServer(): Promise<Server & AsyncDisposable> {
  const sockets = new Set<Socket>();
  const s = createServer((c) => {
    sockets.add(c);
    c.on('error', () => undefined);
    c.on('close', () => sockets.delete(c));
    c.pipe(c);
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return Object.assign(s, {
    [Symbol.asyncDispose]: async () => {
      for (const c of sockets) c.destroy();
      await new Promise<void>((r) => s.close(() => r()));
    },
  });
}

function portOf(s: Server): number {
  const a = s.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
}

async function dial(port: number): Promise<{ s: Socket; got: () => number; closed: Promise<unknown> }> {
  const s = netConnect({ host: '127.0.0.1', port });
  await once(s, 'connect');
  let n = 0;
  s.on('data', (c: Buffer) => (n += c.length));
  s.on('error', () => undefined);
  return { s, got: () => n, closed: new Promise((r) => s.once('close', r)) };
}

test('cuts a connection after exactly N bytes downstream, delivering the prefix', async () => {
  await using echo = await echoServer();
  await using proxy = await startProxy(portOf(echo));
  proxy.cutAfter('down', 1000);
  const c = await dial(proxy.port);
  c.s.write(Buffer.alloc(5000, 1));
  await c.closed;
  assert.equal(c.got(), 1000);
  assert.equal(proxy.counts.cuts, 1);
});

test('cuts upstream at a random offset within the range', async () => {
  await using echo = await echoServer();
  await using proxy = await startProxy(portOf(echo));
  proxy.cutAfter('up', { min: 10, max: 20 });
  const c = await dial(proxy.port);
  c.s.write(Buffer.alloc(100, 1));
  await c.closed;
  assert.ok(proxy.counts.bytesUp >= 10 && proxy.counts.bytesUp <= 20, `forwarded ${proxy.counts.bytesUp}`);
  assert.ok(c.got() <= proxy.counts.bytesUp);
});

test('blackhole swallows traffic without closing; reset sends RST', async () => {
  await using echo = await echoServer();
  await using proxy = await startProxy(portOf(echo));
  const c = await dial(proxy.port);
  c.s.write('a');
  await until(() => c.got() === 1, 3000, 'echo before the blackhole');
  proxy.blackhole(true);
  c.s.write('bbbb');
  // Nothing comes back while the hole is on: prove it by a round trip on a second path.
  const probe = await dial(portOf(echo));
  probe.s.write('x');
  await until(() => probe.got() === 1, 3000, 'direct echo');
  probe.s.destroy();
  assert.equal(c.got(), 1);
  assert.equal(c.s.destroyed, false);
  let error: NodeJS.ErrnoException | undefined;
  c.s.on('error', (e: NodeJS.ErrnoException) => (error = e));
  proxy.reset();
  await c.closed;
  assert.equal(error?.code, 'ECONNRESET');
  assert.equal(proxy.counts.resets, 1);
});

test('delay holds every chunk back', async () => {
  await using echo = await echoServer();
  await using proxy = await startProxy(portOf(echo));
  proxy.delay(150);
  const c = await dial(proxy.port);
  const t0 = Date.now();
  c.s.write('z');
  await until(() => c.got() === 1, 3000, 'delayed echo');
  assert.ok(Date.now() - t0 >= 290, `round trip took ${Date.now() - t0} ms with 150 ms each way`);
  c.s.destroy();
});
