/**
 * The raw baseline: a plain `node:net` length-prefixed protocol with nothing else.
 *
 * Client → server: `[u32 length][payload]`; server → client: an 8-byte acknowledgement
 * `[u32 4][u32 sequence]` per message, in order. The server assembles every message into one
 * contiguous Buffer (a view when it lies within one socket chunk, else one copy into a buffer of
 * the declared size), which is the least any message API must do, then ignores its contents.
 * The client writes prefix and payload with cork/uncork (one writev, no copy) and reuses one
 * payload buffer, exactly like the Venice client.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Endpoint } from '../../src/index.js';

/** Starts the raw server; resolves with the bound endpoint. */
export function startRawServer(endpoint: Endpoint): Promise<{ server: Server; endpoint: Endpoint }> {
  const server = createServer({ noDelay: true }, (socket) => serveRaw(socket));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      const addr = server.address();
      const bound: Endpoint =
        endpoint.kind === 'inet' && addr !== null && typeof addr === 'object' ? { ...endpoint, port: addr.port } : endpoint;
      resolve({ server, endpoint: bound });
    };
    if (endpoint.kind === 'unix') server.listen(endpoint.path, done);
    else server.listen({ host: endpoint.host, port: endpoint.port }, done);
  });
}

function serveRaw(socket: Socket): void {
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  let seq = 0;
  let need = 4; // bytes of the field being read
  let readingLength = true;
  let partial: Buffer | undefined;
  let fill = 0;
  const onMessage = (_msg: Buffer): void => {
    const ack = Buffer.allocUnsafe(8);
    ack.writeUInt32BE(4, 0);
    ack.writeUInt32BE(seq++ >>> 0, 4);
    socket.write(ack);
  };
  const onField = (field: Buffer): void => {
    if (readingLength) {
      need = field.readUInt32BE(0);
      readingLength = false;
      if (need === 0) {
        onMessage(field.subarray(0, 0));
        need = 4;
        readingLength = true;
      }
      return;
    }
    onMessage(field);
    need = 4;
    readingLength = true;
  };
  socket.on('data', (chunk: Buffer) => {
    let off = 0;
    while (off < chunk.length) {
      if (partial === undefined && chunk.length - off >= need) {
        const n = need;
        onField(chunk.subarray(off, off + n));
        off += n;
        continue;
      }
      partial ??= Buffer.allocUnsafe(need);
      const n = Math.min(need - fill, chunk.length - off);
      chunk.copy(partial, fill, off, off + n);
      fill += n;
      off += n;
      if (fill < need) return;
      const field = partial;
      partial = undefined;
      fill = 0;
      onField(field);
    }
  });
}

/** Result of one raw client run. */
export interface RawRun {
  readonly messageCount: number;
  readonly durationMillis: number;
  readonly latencies: Float64Array;
}

/** Connects to a raw server and keeps `inFlight` messages of `size` bytes outstanding for `seconds`. */
export async function runRawClient(endpoint: Endpoint, size: number, inFlight: number, seconds: number): Promise<RawRun> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = endpoint.kind === 'unix' ? connect(endpoint.path) : connect({ host: endpoint.host, port: endpoint.port, noDelay: true });
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
  });
  socket.setNoDelay(true);
  const payload = Buffer.alloc(size);
  const waiting: Array<(err?: Error) => void> = [];
  let acc: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    acc = acc.length === 0 ? chunk : Buffer.concat([acc, chunk]);
    while (acc.length >= 8) {
      acc = acc.subarray(8);
      waiting.shift()?.();
    }
  });
  const lost = (): void => {
    for (const w of waiting.splice(0)) w(new Error('raw connection lost'));
  };
  socket.on('close', lost);
  socket.on('error', lost);
  const request = (): Promise<void> =>
    new Promise((resolve, reject) => {
      waiting.push((err) => (err ? reject(err) : resolve()));
      const prefix = Buffer.allocUnsafe(4);
      prefix.writeUInt32BE(size, 0);
      socket.cork();
      socket.write(prefix);
      socket.write(payload);
      socket.uncork();
    });
  const latencies: number[] = [];
  let done = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const sentAt = performance.now();
      await request();
      latencies.push(performance.now() - sentAt);
      done++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const durationMillis = performance.now() - t0;
  socket.destroy();
  return { messageCount: done, durationMillis, latencies: Float64Array.from(latencies) };
}
