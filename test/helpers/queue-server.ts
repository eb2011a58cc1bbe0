import { readFileSync } from 'node:fs';
import { connect, createServer, type Client, type ClientOptions, type Message, type Server, type ServerOptions } from '../../src/index.js';
import type { ServerCore, SessionState } from '../../src/server/core.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { MessageCodec, MAX_MESSAGE_SIZE_LIMIT } from '../../src/transport/message-codec.js';

/** A server on port 0 plus the clients opened through it; disposing closes them all. */
export interface QueueEnv extends AsyncDisposable {
  readonly server: Server;
  /** Opens a client that is closed with the environment. */
  client(opts?: Partial<ClientOptions>): Promise<Client>;
  /** Resolves after the server has finished cleaning up the next closed connection. */
  nextSessionClosed(): Promise<SessionState>;
}

/** Starts a server (port 0) for a test. */
export async function queueEnv(opts: Partial<ServerOptions> = {}): Promise<QueueEnv> {
  const server = await createServer({ port: 0, ...opts });
  const clients: Client[] = [];
  const waiting: Array<(s: SessionState) => void> = [];
  // Installed after the queue feature, so it runs once temporary queues are gone.
  (server as unknown as ServerCore).features.set('test-session-closed', {
    onSessionClosed: (s) => waiting.shift()?.(s),
  });
  return {
    server,
    async client(o = {}) {
      const c = await connect({ uri: server.uri, ...o });
      clients.push(c);
      return c;
    },
    nextSessionClosed() {
      return new Promise((resolve) => waiting.push(resolve));
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
    },
  };
}

/** Decodes a byte stream into its messages (plaintext, uncompressed). */
export function decodeBytes(bytes: Buffer): Message[] {
  const codec = new MessageCodec(MAX_MESSAGE_SIZE_LIMIT);
  const out: Message[] = [];
  new FrameDecoder(codec.frameLimits()).push(bytes, (frame) => {
    const m = codec.decode(frame);
    if (m instanceof Promise) throw new Error('compressed messages are not supported here');
    out.push(m);
  });
  return out;
}

/** Decodes a captured stream copied into test/fixtures/captures. */
export function decodeCapture(file: string): Message[] {
  return decodeBytes(readFileSync(new URL(`../../../test/fixtures/captures/${file}`, import.meta.url)));
}
