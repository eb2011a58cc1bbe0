/** Helpers for the durable-queue server tests: a WAL server on port 0 with its clients. */
import { connect, createServer, type Client, type Server, type ServerOptions } from '../../src/index.js';
import type { ServerCore } from '../../src/server/core.js';
import { WAL_FEATURE, type WalFeature } from '../../src/server/durable-queues.js';

/** A server with a WAL directory plus the clients opened through it; disposing closes them all. */
export interface WalEnv extends AsyncDisposable {
  readonly server: Server;
  client(): Promise<Client>;
  /** The server's WAL feature (log stats, failed queues). */
  readonly wal: WalFeature;
}

/** Starts a server (port 0) on `dir` as its write-ahead log directory. */
export async function walEnv(dir: string, opts: Partial<ServerOptions> = {}): Promise<WalEnv> {
  const server = await createServer({ port: 0, walDir: dir, ...opts });
  const clients: Client[] = [];
  return {
    server,
    wal: walFeature(server),
    async client() {
      const c = await connect({ uri: server.uri });
      clients.push(c);
      return c;
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
    },
  };
}

/** The WAL feature of a server (internal). */
export function walFeature(server: Server): WalFeature {
  const f = (server as unknown as ServerCore).features.get(WAL_FEATURE) as WalFeature | undefined;
  if (f === undefined) throw new Error('no WAL feature');
  return f;
}

/** Polls until QUEUE_EMPTY and returns the payload texts. */
export async function drainTexts(client: Client, queue: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const r = await client.poll(queue, { timeout: 0 });
    if (r.status === 'QUEUE_EMPTY') return out;
    if (!r.responseOk) throw new Error(`poll: ${r.status} ${r.text}`);
    out.push(r.text);
  }
}
