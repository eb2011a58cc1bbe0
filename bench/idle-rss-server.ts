/**
 * Child process of the idle-rss section: `node --expose-gc dist/bench/idle-rss-server.js <venice|raw>`.
 * Listens on 127.0.0.1 (ephemeral port), prints `listening on <uri>`, then answers every stdin
 * line `rss` with `rss <bytes> <open connections> <V8 heap used bytes> <young generation bytes>
 * <settled 0|1>` after a full garbage collection; `rss settled` first waits (idle, at most 20 s)
 * until V8's memory reducer has shrunk the young generation. Exits when stdin closes.
 */
import { createServer as createNetServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { getHeapSpaceStatistics } from 'node:v8';
import { createServer } from '../src/index.js';

/** Bytes committed to V8's young generation (new space). */
function newSpaceSize(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/** The young generation of an idle V8 heap once its memory reducer has run (it shrinks to this). */
const IDLE_NEW_SPACE = 1 << 20;

/**
 * Waits, idle, until V8's memory reducer has shrunk the young generation (it runs a few seconds
 * after allocation stops, as on any idle server), polling every 250 ms for at most 20 s.
 * Returns whether it shrank.
 */
async function settle(): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (newSpaceSize() > IDLE_NEW_SPACE) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
  return true;
}

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
    const cmd = line.trim();
    if (cmd !== 'rss' && cmd !== 'rss settled') continue;
    const settled = cmd === 'rss settled' ? await settle() : false;
    gc?.();
    gc?.();
    const m = process.memoryUsage();
    process.stdout.write(`rss ${m.rss} ${count()} ${m.heapUsed} ${newSpaceSize()} ${settled ? 1 : 0}\n`);
  }
  await Promise.race([stop(), new Promise((r) => setTimeout(r, 2000).unref())]);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`idle-rss server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
