import { readFileSync } from 'node:fs';
import { connect as netConnect, createServer as netCreateServer, type Socket } from 'node:net';
import { connect, createServer, type Client, type Message, type Server, type ServerOptions } from '../../src/index.js';
import { FrameDecoder, type RawFrame } from '../../src/protocol/frame-decoder.js';
import { MessageCodec } from '../../src/transport/message-codec.js';
import type { ServerCore, SessionState } from '../../src/server/core.js';
import type { PubSubFeature } from '../../src/server/pubsub.js';
import { PUBSUB_FEATURE } from '../../src/server/pubsub.js';
import { deferred } from '../../src/util/deferred.js';

/** Reads a fixture copied from the shared captures. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../../test/fixtures/captures/${name}`, import.meta.url));
}

/**
 * Test-only splitter: cuts a byte stream into whole messages by the frame lengths of WIRE §2
 * (34-byte header, 4-byte meta length + meta, 4-byte payload length + payload).
 */
export function splitMessages(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < stream.length) {
    const metaLen = stream.readInt32BE(off + 34);
    const payloadLen = stream.readInt32BE(off + 38 + metaLen);
    const end = off + 42 + metaLen + payloadLen;
    out.push(stream.subarray(off, end));
    off = end;
  }
  return out;
}

/** Decodes a plaintext byte stream into messages. */
export function decodeStream(stream: Buffer): Message[] {
  const codec = new MessageCodec(20 * 1024 * 1024);
  const frames: RawFrame[] = [];
  new FrameDecoder(codec.frameLimits()).push(stream, (f) => frames.push(f));
  return frames.map((f) => codec.decode(f) as Message);
}

/** Encodes a message as plaintext bytes, without compression. */
export function encode(msg: Message): Buffer {
  return Buffer.concat(new MessageCodec(20 * 1024 * 1024).encode(msg, { compress: false }) as Buffer[]);
}

/** A server with port 0 and a client factory; `close()` closes everything opened through it. */
export interface Harness extends AsyncDisposable {
  readonly server: Server;
  readonly core: ServerCore;
  readonly pubsub: PubSubFeature;
  client(): Promise<Client>;
  close(): Promise<void>;
}

/** Starts a server on port 0. */
export async function harness(opts: Partial<ServerOptions> = {}): Promise<Harness> {
  const server = await createServer({ port: 0, ...opts });
  const core = server as unknown as ServerCore;
  const clients: Client[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
  };
  return {
    server,
    core,
    pubsub: core.features.get(PUBSUB_FEATURE) as PubSubFeature,
    async client() {
      const c = await connect({ uri: server.uri });
      clients.push(c);
      return c;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The server sessions, newest last. */
export function sessions(h: Harness): SessionState[] {
  return [...h.core.sessions];
}

/** Rejects after `ms` with a message naming what did not happen. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** A push handler that collects messages and can wait for a count. */
export interface Collector {
  readonly messages: Message[];
  readonly handler: (m: Message) => void;
  waitFor(n: number): Promise<Message[]>;
}

/** Creates a {@link Collector}. */
export function collector(): Collector {
  const messages: Message[] = [];
  let waiters: Array<{ n: number; resolve(m: Message[]): void }> = [];
  return {
    messages,
    handler: (m) => {
      messages.push(m);
      const ready = waiters.filter((w) => messages.length >= w.n);
      waiters = waiters.filter((w) => messages.length < w.n);
      for (const w of ready) w.resolve(messages);
    },
    waitFor(n) {
      if (messages.length >= n) return Promise.resolve(messages);
      const d = deferred<Message[]>();
      waiters.push({ n, resolve: (m) => d.resolve(m) });
      return d.promise;
    },
  };
}

/**
 * A raw subscriber speaking the Java client's bytes from the capture: CLIENT_CONFIG and
 * SUBSCRIBE "news". Resolves once the SUBSCRIBE answer arrived; after that it never reads.
 */
export async function rawStalledSubscriber(port: number): Promise<Socket> {
  const c2s = splitMessages(fixture('publish.conn2.c2s.bin'));
  const socket = netConnect({ port, host: '127.0.0.1' });
  socket.on('error', () => undefined); // the test destroys it; errors are expected then
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(Buffer.concat([c2s[0] as Buffer, c2s[1] as Buffer]));
  // Wait for the two answers (CLIENT_CONFIG and SUBSCRIBE), then stop reading for good.
  await new Promise<void>((resolve) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      if (decodeStreamSafe(got) >= 2) {
        socket.off('data', onData);
        socket.pause();
        resolve();
      }
    };
    socket.on('data', onData);
  });
  return socket;
}

function decodeStreamSafe(b: Buffer): number {
  let n = 0;
  new FrameDecoder({ maxMetaFrame: 1 << 16, maxPayloadFrame: 1 << 24 }).push(b, () => n++);
  return n;
}

/** A TCP proxy that records both directions (used to compare our bytes with the captures). */
export interface RecordingProxy extends AsyncDisposable {
  readonly port: number;
  /** Bytes of connection `i` (in accept order), each direction. */
  streams(i: number): { c2s: Buffer; s2c: Buffer };
  close(): Promise<void>;
}

/** Starts a recording proxy in front of `targetPort`. */
export async function recordingProxy(targetPort: number): Promise<RecordingProxy> {
  const conns: Array<{ c2s: Buffer[]; s2c: Buffer[]; sockets: Socket[] }> = [];
  const proxy = netCreateServer((inbound) => {
    const rec = { c2s: [] as Buffer[], s2c: [] as Buffer[], sockets: [inbound] };
    conns.push(rec);
    const outbound = netConnect({ port: targetPort, host: '127.0.0.1' });
    rec.sockets.push(outbound);
    inbound.on('data', (d: Buffer) => {
      rec.c2s.push(d);
      outbound.write(d);
    });
    outbound.on('data', (d: Buffer) => {
      rec.s2c.push(d);
      inbound.write(d);
    });
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
    inbound.on('error', () => undefined);
    outbound.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const addr = proxy.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  const close = async (): Promise<void> => {
    for (const c of conns) for (const s of c.sockets) s.destroy();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  };
  return {
    port,
    streams(i) {
      const c = conns[i];
      if (c === undefined) throw new Error(`no connection ${i}`);
      return { c2s: Buffer.concat(c.c2s), s2c: Buffer.concat(c.s2c) };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
