/**
 * Child process of the idle-rss section: `node --expose-gc dist/bench/idle-rss-server.js <venice|raw>`.
 * Listens on 127.0.0.1 (ephemeral port), prints `listening on <uri>`, then answers every stdin
 * line `rss` with `rss <bytes> <open connections> <V8 heap used bytes>` after a full garbage
 * collection. Exits when stdin closes.
 */
import { createServer as createNetServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { createServer } from '../src/index.js';

async function main(): Promise<void> {
  const kind = process.argv[2];
  if (kind !== 'venice' && kind !== 'raw') throw new Error('usage: idle-rss-server.js <venice|raw>');
  let open = 0;
  let count = (): number => open;
  let stop: () => Promise<void>;
  if (kind === 'venice') {
    const server = await createServer({ uri: 'af-inet://127.0.0.1:0', maxConnections: 10_000 });
    process.stdout.write(`listening on ${server.uri}\n`);
    stop = () => server.close();
    count = () => server.connectionCount;
  } else {
    // An idle raw server keeps what a length-prefixed echo would: the socket and a read buffer.
    const sockets = new Set<Socket>();
    const server = createNetServer((s) => {
      open++;
      sockets.add(s);
      s.on('data', () => undefined);
      s.on('error', () => undefined);
      s.once('close', () => {
        open--;
        sockets.delete(s);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    process.stdout.write(`listening on af-inet://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}\n`);
    stop = async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (line.trim() !== 'rss') continue;
    gc?.();
    gc?.();
    const m = process.memoryUsage();
    process.stdout.write(`rss ${m.rss} ${count()} ${m.heapUsed}\n`);
  }
  await Promise.race([stop(), new Promise((r) => setTimeout(r, 2000).unref())]);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`idle-rss server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
