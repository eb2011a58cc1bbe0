/**
 * A hand-driven client for security tests: writes frames built by the test helpers (encrypted
 * with the session key when asked) and reads the server's answers, so that a test can send
 * what a well-behaved client never would (plaintext after the exchange, tampered records,
 * replays, bad DH keys).
 */
import type { Socket } from 'node:net';
import { SessionCipher } from '../../src/crypto/aes-gcm.js';
import { createDhKeyPair, type DhKeyPair } from '../../src/crypto/dh.js';
import { connect, createServer, isIpcError, plainTextMessage, type Message, type Server, type ServerOptions } from '../../src/index.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { MessageCodec } from '../../src/transport/message-codec.js';
import { buildFrame, metaText, type FrameSpec } from './frames.js';
import { closedWithin, rawSocket } from './net.js';

let counter = 0;
/** A fresh message id (UUID form) for hand-built frames. */
export function nextId(): string {
  counter++;
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

/** Builds one message, encrypting meta (header as AAD) and payload when `cipher` is given. */
export function buildSecureFrame(spec: FrameSpec & { meta: string; payload: Buffer }, cipher?: SessionCipher): Buffer {
  if (cipher === undefined) return buildFrame(spec);
  const header = buildFrame({ ...spec, encrypted: 1, meta: Buffer.alloc(0), payload: Buffer.alloc(0) }).subarray(0, 34);
  return buildFrame({
    ...spec,
    encrypted: 1,
    meta: cipher.encrypt(Buffer.from(spec.meta, 'utf8'), header),
    payload: cipher.encrypt(spec.payload),
  });
}

/** What {@link SecurePeer.send} sends. */
export interface SendSpec {
  /** Type code. Defaults to 0 (REQUEST). */
  type?: number;
  /** Topic line. Defaults to `test`. */
  topics?: string;
  /** Payload. Defaults to `hello`. */
  payload?: Buffer | string;
  /** Send unencrypted even after the key exchange. */
  plaintext?: boolean;
  oneway?: boolean;
  id?: string;
  /** Mimetype line. Defaults to text/plain. */
  mimetype?: string;
}

/** A raw connection to a server with a decoder for the answers. */
export class SecurePeer {
  readonly socket: Socket;
  readonly codec = new MessageCodec(20 * 1024 * 1024);
  cipher: SessionCipher | undefined;
  readonly #inbox: Message[] = [];
  readonly #waiters: Array<(m: Message) => void> = [];
  #error: Error | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    const dec = new FrameDecoder(this.codec.frameLimits());
    socket.on('data', (chunk: Buffer) => {
      try {
        dec.push(chunk, (f) => {
          void Promise.resolve(this.codec.decode(f)).then(
            (m) => this.#deliver(m),
            (e: unknown) => (this.#error = e as Error),
          );
        });
      } catch (e) {
        this.#error = e as Error;
      }
    });
    socket.on('error', () => undefined);
  }

  /** Opens a raw connection to `server`. */
  static async open(server: Server): Promise<SecurePeer> {
    return new SecurePeer(await rawSocket(server));
  }

  #deliver(m: Message): void {
    const w = this.#waiters.shift();
    if (w !== undefined) w(m);
    else this.#inbox.push(m);
  }

  /** The next message from the server (rejects after `ms`). */
  next(ms = 5000): Promise<Message> {
    const m = this.#inbox.shift();
    if (m !== undefined) return Promise.resolve(m);
    if (this.#error !== undefined) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no message within ${ms} ms`)), ms);
      this.#waiters.push((x) => {
        clearTimeout(t);
        resolve(x);
      });
    });
  }

  /** Writes raw bytes. */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends a message of `type` (encrypted once keys were exchanged, unless `plaintext`). */
  send(opts: SendSpec): string {
    const id = opts.id ?? nextId();
    const lines = metaText({ type: opts.type ?? 0, topics: opts.topics ?? 'test', id }).split('\n');
    if (opts.oneway === true) lines[0] = '1';
    if (opts.mimetype !== undefined) lines[9] = opts.mimetype;
    const payload = typeof opts.payload === 'string' ? Buffer.from(opts.payload) : (opts.payload ?? Buffer.from('hello'));
    this.write(buildSecureFrame({ meta: lines.join('\n'), payload }, opts.plaintext === true ? undefined : this.cipher));
    return id;
  }

  /** Sends CLIENT_CONFIG (ends the server's pre-handshake frame limit on a server without login) and returns the answer. */
  async clientConfig(): Promise<Message> {
    this.send({ type: 40, topics: 'client-config', payload: '{"ackMode":"AUTO_ACKNOWLEDGE"}', mimetype: 'application/json', plaintext: true });
    return this.next();
  }

  /** Sends a DH request with `publicKey` (defaults to a fresh pair's key) and returns the answer. */
  async requestKeyExchange(publicKey?: string): Promise<{ res: Message; pair: DhKeyPair }> {
    const pair = createDhKeyPair();
    this.send({ type: 50, topics: 'dh', payload: publicKey ?? pair.publicKeyBase64, plaintext: true });
    return { res: await this.next(), pair };
  }

  /** Runs a successful key exchange and switches both directions to the session key. */
  async exchangeKeys(): Promise<SessionCipher> {
    const { res, pair } = await this.requestKeyExchange();
    if (res.status !== 'DIFFIE_HELLMAN_ACK') throw new Error(`key exchange failed: ${res.status} ${res.text}`);
    this.cipher = new SessionCipher(pair.computeSessionKey(res.text));
    this.codec.cipher = this.cipher;
    return this.cipher;
  }

  /** Logs in and returns the answer. */
  async login(user: string, password: string, mimetype?: string): Promise<Message> {
    const id = nextId();
    const lines = metaText({ type: 60, topics: 'authentication', id }).split('\n');
    if (mimetype !== undefined) lines[9] = mimetype;
    this.write(buildSecureFrame({ meta: lines.join('\n'), payload: Buffer.from(`${user}\n${password}`) }, this.cipher));
    return this.next();
  }

  /** Resolves when the server closed the connection. */
  closed(ms = 5000): Promise<void> {
    return closedWithin(this.socket, ms);
  }

  /** Closes the socket. */
  destroy(): void {
    this.socket.destroy();
  }
}

/** A server whose connection errors can be awaited. */
export interface TestServer extends AsyncDisposable {
  readonly server: Server;
  /** Resolves with the code of the next connection closed by an error. */
  nextError(): Promise<string>;
  /** Checks that a fresh client is still served (the server survived). */
  stillServes(options?: { userName: string; password: string }): Promise<void>;
}

/** Starts an echo server with `options` (port 0) and error tracking. */
export async function testServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const waiters: Array<(code: string) => void> = [];
  const early: string[] = [];
  const server = await createServer({
    port: 0,
    handler: (m) => m,
    ...options,
    onConnectionError: (err) => {
      const code = isIpcError(err) ? err.code : `uncoded: ${err.message}`;
      const w = waiters.shift();
      if (w !== undefined) w(code);
      else early.push(code);
    },
  });
  return {
    server,
    nextError: () => {
      const e = early.shift();
      return e !== undefined ? Promise.resolve(e) : new Promise((resolve) => waiters.push(resolve));
    },
    async stillServes(creds) {
      const client = await connect({ uri: server.uri, ...(creds ?? {}) });
      try {
        const res = await client.send(plainTextMessage('1', 'test', 'still here'));
        if (res.text !== 'still here') throw new Error(`unexpected answer ${res.status} ${res.text}`);
      } finally {
        await client.close();
      }
    },
    [Symbol.asyncDispose]: () => server.close(),
  };
}
