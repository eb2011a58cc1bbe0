/**
 * Memory per queued message (issue 10): a client process offers N 1000-byte binary messages
 * (64 in flight) to a memory queue of an in-process server; the server's memory after a full
 * GC is compared with before, per message.
 *   npm run build && node --expose-gc dist/bench/queue-memory.js [N]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { binaryMessage, connect, createServer } from '../src/index.js';

const SELF = fileURLToPath(import.meta.url);
const N = Number(process.argv[2] ?? 200_000);

async function client(uri: string): Promise<void> {
  const c = await connect({ uri });
  const payload = Buffer.alloc(1000, 0x61);
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < N) {
        next++;
        const r = await c.offer('q', binaryMessage(null, 'bench', 'application/octet-stream', payload));
        if (!r.responseOk) throw new Error(`offer: ${r.status}`);
      }
    }),
  );
  await c.close();
}

function measure(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage();
}

async function main(): Promise<void> {
  const server = await createServer({ port: 0 });
  try {
    await server.createQueue('q', { capacity: 2 ** 31 - 1 });
    const before = measure();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [SELF, String(N), '--client', server.uri], { stdio: 'inherit' });
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`client exited with ${code}`))));
    });
    const after = measure();
    const per = (k: keyof NodeJS.MemoryUsage): string => ((after[k] - before[k]) / N).toFixed(0);
    console.log(
      `${server.queueStatus('q').size} × 1000 B queued; per message: rss ${per('rss')} B, heapUsed ${per('heapUsed')} B, ` +
        `arrayBuffers ${per('arrayBuffers')} B (rss ${(before.rss / 2 ** 20).toFixed(0)} → ${(after.rss / 2 ** 20).toFixed(0)} MB)`,
    );
  } finally {
    await server.close();
  }
}

if (process.argv[3] === '--client') await client(process.argv[4]!);
else await main();
