import type { Socket } from 'node:net';
import { ConnectionError, ErrorCode, ProtocolError, toError } from '../errors.js';
import type { Message } from '../message/message.js';
import { FrameDecoder, type FrameLimits, type RawFrame } from '../protocol/frame-decoder.js';
import { deferred } from '../util/deferred.js';
import { MessageCodec, type EncodeOptions } from './message-codec.js';

/** Tuning of one connection. */
export interface ConnectionOptions {
  /** Maximum message size this side accepts (payload bytes). */
  readonly maxMessageSize: number;
  /**
   * Pause reading from the socket while this many bytes wait in the socket's outbound
   * buffer, so a peer that does not read cannot make us buffer without bound. Defaults to 8 MiB.
   */
  readonly outboundHighWater?: number;
  /** Pause reading while this many decoded frames wait for an async decode step. Defaults to 64. */
  readonly maxQueuedFrames?: number;
  /**
   * Largest meta or payload frame accepted until {@link Connection.setFrameCap} lifts it (the
   * server's limit before the handshake). Defaults to none (only the message size limit).
   */
  readonly frameCap?: number;
  /** Told about every chunk read (the server's deadlines and memory budget). Defaults to none. */
  readonly inputObserver?: InputObserver;
}

/** Watches what a connection reads: called after each chunk was fed to the decoder. */
export interface InputObserver {
  /**
   * `heldBytes`: bytes now held for a message not yet complete; `midFrame`: such a message
   * has begun; `frames`: complete messages the chunk finished.
   */
  afterChunk(heldBytes: number, midFrame: boolean, frames: number): void;
}

/** Callbacks of the connection's owner (server session or client). */
export interface ConnectionHandlers {
  /** A decoded message, in arrival order; `encrypted` tells whether its frame was encrypted. */
  onMessage(msg: Message, encrypted: boolean): void;
  /** The connection closed; `err` says why when it was not an orderly close. Called once. */
  onClose(err: Error | undefined): void;
}

/** Default outbound high-water mark. */
export const DEFAULT_OUTBOUND_HIGH_WATER = 8 * 1024 * 1024;

/**
 * One socket (TCP or Unix) carrying Venice IPC messages: framing, codec, ordered writes with
 * coalescing, read backpressure, close. This class owns the socket's listeners.
 */
export class Connection {
  readonly codec: MessageCodec;
  readonly #socket: Socket;
  readonly #handlers: ConnectionHandlers;
  readonly #decoder: FrameDecoder;
  readonly #highWater: number;
  readonly #maxQueuedFrames: number;
  readonly #observer: InputObserver | undefined;
  #frameCap: number | undefined;
  #framesRead = 0;
  readonly #closed = deferred<Error | undefined>();
  #state: 'open' | 'closing' | 'closed' = 'open';
  #closeError: Error | undefined;
  // inbound
  #inQueue: RawFrame[] = [];
  #decoding = false;
  readonly #pauseReasons = new Set<string>();
  // outbound
  #outQueue: Array<{ bufs: Buffer[] | Promise<Buffer[]>; done?: (err?: Error | null) => void }> = [];
  #corked = false;
  #pendingAsyncBytes = 0;

  constructor(socket: Socket, opts: ConnectionOptions, handlers: ConnectionHandlers) {
    this.#socket = socket;
    this.#handlers = handlers;
    this.codec = new MessageCodec(opts.maxMessageSize);
    this.#frameCap = opts.frameCap;
    this.#observer = opts.inputObserver;
    this.#decoder = new FrameDecoder(this.#limits());
    this.#highWater = opts.outboundHighWater ?? DEFAULT_OUTBOUND_HIGH_WATER;
    this.#maxQueuedFrames = opts.maxQueuedFrames ?? 64;
    socket.setNoDelay?.(true);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onSocketClose);
    socket.on('drain', this.#onDrain);
  }

  /** Resolves when the connection is closed, with the error that closed it (never rejects). */
  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  /** True until close() or destroy() was called or the peer went away. */
  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** Bytes waiting to go out (socket buffer plus messages still being compressed). */
  get outboundBytes(): number {
    return this.#socket.writableLength + this.#pendingAsyncBytes;
  }

  /** The underlying socket (for addresses and buffer sizes; do not add listeners). */
  get socket(): Socket {
    return this.#socket;
  }

  /** Updates the size limits after the handshake told us the peer's maximum. */
  setMaxMessageSize(n: number): void {
    this.codec.maxMessageSize = n;
    this.#decoder.setLimits(this.#limits());
  }

  /** Sets (or with undefined lifts) the cap on frame lengths below the message size limit. */
  setFrameCap(n: number | undefined): void {
    this.#frameCap = n;
    this.#decoder.setLimits(this.#limits());
  }

  /** Bytes held for a message that has not completely arrived. */
  get heldBytes(): number {
    return this.#decoder.heldBytes;
  }

  #limits(): FrameLimits {
    const l = this.codec.frameLimits();
    const cap = this.#frameCap;
    if (cap === undefined) return l;
    return { maxMetaFrame: Math.min(cap, l.maxMetaFrame), maxPayloadFrame: Math.min(cap, l.maxPayloadFrame) };
  }

  /** Stops reading for `reason` until {@link resumeReading} with the same reason. */
  pauseReading(reason: string): void {
    this.#pauseReasons.add(reason);
    this.#socket.pause();
  }

  /** Lifts one pause reason; reading resumes when none is left. */
  resumeReading(reason: string): void {
    if (!this.#pauseReasons.delete(reason)) return;
    if (this.#pauseReasons.size === 0 && this.#state !== 'closed') this.#socket.resume();
  }

  /**
   * Queues a message for sending, in call order. Encoding errors (e.g. too large) throw
   * synchronously; `done` is called once the bytes were handed to the kernel (or failed).
   */
  send(msg: Message, opts?: EncodeOptions, done?: (err?: Error | null) => void): void {
    if (this.#state !== 'open') {
      const err = this.#closeError ?? new ConnectionError(ErrorCode.CONNECTION_CLOSED, 'The connection is closed');
      if (done !== undefined) done(err);
      return;
    }
    const bufs = this.codec.encode(msg, opts);
    if (this.#outQueue.length === 0 && !(bufs instanceof Promise)) {
      this.#write(bufs, done);
      return;
    }
    if (bufs instanceof Promise) this.#pendingAsyncBytes += msg.data.length;
    this.#outQueue.push({ bufs, done });
    if (this.#outQueue.length === 1) void this.#drainOutQueue(msg.data.length);
  }

  /** Like {@link send}, resolving once written to the kernel. */
  sendAsync(msg: Message, opts?: EncodeOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      this.send(msg, opts, (err) => (err ? reject(err) : resolve()));
    });
  }

  async #drainOutQueue(firstAsyncBytes: number): Promise<void> {
    let asyncBytes = firstAsyncBytes;
    while (this.#outQueue.length > 0) {
      const item = this.#outQueue[0] as { bufs: Buffer[] | Promise<Buffer[]>; done?: (err?: Error | null) => void };
      let bufs: Buffer[];
      try {
        const isAsync = item.bufs instanceof Promise;
        bufs = await item.bufs;
        if (isAsync) this.#pendingAsyncBytes = Math.max(0, this.#pendingAsyncBytes - asyncBytes);
      } catch (err) {
        this.destroy(toError(err));
        return;
      }
      this.#outQueue.shift();
      asyncBytes = 0;
      if (this.#state === 'closed') {
        item.done?.(this.#closeError ?? new ConnectionError(ErrorCode.CONNECTION_CLOSED, 'The connection is closed'));
        continue;
      }
      this.#write(bufs, item.done);
    }
  }

  #write(bufs: Buffer[], done?: (err?: Error | null) => void): void {
    const s = this.#socket;
    if (!this.#corked) {
      this.#corked = true;
      s.cork();
      process.nextTick(this.#uncork); // coalesce everything written in this tick into one writev
    }
    const last = bufs.length - 1;
    for (let i = 0; i < last; i++) s.write(bufs[i] as Buffer);
    s.write(bufs[last] as Buffer, done);
    if (s.writableLength > this.#highWater) this.pauseReading('drain');
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    this.#socket.uncork();
  };

  readonly #onDrain = (): void => {
    this.resumeReading('drain');
  };

  readonly #onData = (chunk: Buffer): void => {
    if (this.#state !== 'open') return; // closing: input is read only to see the peer's EOF
    const before = this.#framesRead;
    try {
      this.#decoder.push(chunk, this.#onFrame);
    } catch (err) {
      this.destroy(toError(err));
      return;
    }
    this.#observer?.afterChunk(this.#decoder.heldBytes, this.#decoder.midMessage, this.#framesRead - before);
  };

  readonly #onFrame = (frame: RawFrame): void => {
    this.#framesRead++;
    if (this.#state === 'closed') return;
    if (this.#decoding || this.#inQueue.length > 0) {
      this.#inQueue.push(frame);
      if (this.#inQueue.length >= this.#maxQueuedFrames) this.pauseReading('decode');
      return;
    }
    this.#deliver(frame);
  };

  /** Decodes and hands a frame to the owner; async decode steps hold back later frames. */
  #deliver(frame: RawFrame): void {
    let result: Message | Promise<Message>;
    try {
      result = this.codec.decode(frame);
    } catch (err) {
      this.destroy(toError(err));
      return;
    }
    if (!(result instanceof Promise)) {
      this.#handlers.onMessage(result, frame.encrypted);
      return;
    }
    this.#decoding = true;
    result.then(
      (msg) => {
        this.#decoding = false;
        if (this.#state === 'closed') return;
        this.#handlers.onMessage(msg, frame.encrypted);
        this.#pumpInQueue();
      },
      (err: unknown) => {
        this.#decoding = false;
        this.destroy(toError(err));
      },
    );
  }

  #pumpInQueue(): void {
    while (this.#inQueue.length > 0 && !this.#decoding && this.#state !== 'closed') {
      this.#deliver(this.#inQueue.shift() as RawFrame);
    }
    if (this.#inQueue.length < this.#maxQueuedFrames / 2) this.resumeReading('decode');
  }

  readonly #onEnd = (): void => {
    // Only while open: after our own close() we stop decoding, so a partial message is expected.
    if (this.#decoder.midMessage && this.#state === 'open') {
      this.destroy(new ProtocolError(ErrorCode.TRUNCATED, 'The peer closed the connection in the middle of a message'));
    }
  };

  readonly #onError = (err: Error): void => {
    if (this.#closeError === undefined) {
      this.#closeError = new ConnectionError(ErrorCode.SOCKET_ERROR, `Socket error: ${err.message}`, { cause: err });
    }
  };

  readonly #onSocketClose = (): void => {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#inQueue = [];
    const err = this.#closeError;
    const pending = this.#outQueue;
    this.#outQueue = [];
    const closedErr = err ?? new ConnectionError(ErrorCode.CONNECTION_CLOSED, 'The connection is closed');
    for (const item of pending) item.done?.(closedErr);
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('drain', this.#onDrain);
    this.#closed.resolve(err);
    this.#handlers.onClose(err);
  };

  /**
   * Graceful close: stop reading, flush what was queued, end the socket. Resolves when closed.
   * Falls back to destroy after `timeoutMs`.
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.#state === 'open') {
      this.#state = 'closing';
      this.#socket.pause();
      const flushAndEnd = async (): Promise<void> => {
        while (this.#outQueue.length > 0 && this.#state === 'closing') await new Promise((r) => setImmediate(r));
        this.#socket.end();
        this.#socket.resume(); // keep reading (and discarding) so the peer's EOF completes the close
      };
      void flushAndEnd(); // errors surface through the socket's 'error'/'close' events
      const timer = setTimeout(() => this.destroy(), timeoutMs);
      await this.#closed.promise;
      clearTimeout(timer);
      return;
    }
    await this.#closed.promise;
  }

  /** Immediate close; `err` becomes the close reason reported to the owner. Idempotent. */
  destroy(err?: Error): void {
    if (this.#state === 'closed') return;
    if (err !== undefined && this.#closeError === undefined) this.#closeError = err;
    if (this.#state === 'open') this.#state = 'closing';
    if (this.#corked) {
      // Messages written in this tick (e.g. the answer before a protocol violation) still go out.
      this.#corked = false;
      this.#socket.uncork();
    }
    this.#socket.destroy();
  }
}
