import { setImmediate as yieldToIo } from 'node:timers/promises';
import { ArgumentError, ErrorCode } from '../errors.js';
import type { Message } from '../message/message.js';
import { deferred, type Deferred } from '../util/deferred.js';
import { parseSize, type SizeValue } from '../util/units.js';
import type { RequestOptions } from './core.js';

/** Called with each push of a subscription (the seed's handler form). Errors are caught and counted. */
export type PushHandler = (msg: Message) => unknown;

/** Options of `client.subscribe`. */
export interface SubscribeOptions extends RequestOptions {
  /**
   * Pushes buffered for a consumer (handler or `for await` loop) that is behind; further
   * pushes are dropped and counted in `dropped`. Defaults to {@link DEFAULT_SUBSCRIPTION_BUFFER} (10000).
   */
  readonly bufferSize?: number;
  /**
   * Payload bytes buffered for a consumer that is behind (the sum of `msg.data.length` of the
   * pushes waiting); a push that would go beyond it is dropped and counted in `dropped`, like
   * one beyond `bufferSize`. A push is always buffered when nothing is waiting, so a push
   * larger than this still reaches a consumer that keeps up; at most `bufferBytes` plus one
   * push is held. A byte count or a unit string (`"8MB"`, `"512KB"`). Defaults to
   * {@link DEFAULT_SUBSCRIPTION_BUFFER_BYTES} (8 MiB).
   */
  readonly bufferBytes?: SizeValue;
  /**
   * Called once when the subscription starts dropping pushes (either bound), again after it
   * caught up (the buffer drained to half of both bounds) and drops again. Defaults to none.
   */
  readonly onSlowConsumer?: (sub: Subscription) => void;
  /** Called with each error thrown (or rejected) by the handler. Defaults to none (errors are only counted). */
  readonly onHandlerError?: (err: unknown, msg: Message) => void;
}

/** Default {@link SubscribeOptions.bufferSize}: pushes buffered per subscription. */
export const DEFAULT_SUBSCRIPTION_BUFFER = 10_000;
/** Default {@link SubscribeOptions.bufferBytes}: payload bytes buffered per subscription (8 MiB). */
export const DEFAULT_SUBSCRIPTION_BUFFER_BYTES = 8 * 1024 * 1024;

/** Consecutive pushes handed out before the consumer loop yields to I/O, so a backlog never starves the socket. */
const BATCH = 256;

/**
 * A subscription to one or more topics. Iterate it with `for await`; leaving the loop
 * (`break`, `return`, an exception) unsubscribes. With a handler it is consumed by the
 * handler instead and cannot be iterated.
 */
export interface Subscription extends AsyncIterable<Message> {
  /** Topics this subscription receives (a later subscription to one of them takes it over). */
  readonly topics: readonly string[];
  /** The server's answer to SUBSCRIBE (OK "Subscribed to the topics."). */
  readonly response: Message;
  /** True once the subscription ended (unsubscribed, replaced, or the client closed). */
  readonly isClosed: boolean;
  /**
   * Resolves when the subscription ends (never rejects): `undefined` after an unsubscribe or
   * `client.close()`, the error when the connection was lost for good (a loss the client
   * reconnects from does not end it).
   */
  readonly closed: Promise<Error | undefined>;
  /** Pushes received for this subscription (including dropped ones). */
  readonly received: number;
  /** Pushes dropped by this client because the consumer was behind by `bufferSize` pushes or `bufferBytes` bytes. */
  readonly dropped: number;
  /** Pushes buffered, waiting for the consumer. */
  readonly pending: number;
  /** Payload bytes of the pushes buffered, waiting for the consumer. */
  readonly pendingBytes: number;
  /** Errors thrown by the handler. */
  readonly handlerErrors: number;
  /** Unsubscribes this subscription's topics and ends it (buffered pushes are still handed out). Idempotent. */
  unsubscribe(opts?: RequestOptions): Promise<void>;
  /** Same as {@link unsubscribe}. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** What a subscription needs from the client side registry. */
export interface SubscriptionOwner {
  /** Removes the subscription's topics from the registry and tells the server. */
  release(sub: SubscriptionImpl, opts?: RequestOptions): Promise<void>;
  /** Told once each time the subscription starts dropping pushes. */
  slow?(sub: SubscriptionImpl): void;
}

/** Internal implementation of {@link Subscription}. */
export class SubscriptionImpl implements Subscription {
  readonly #owner: SubscriptionOwner;
  readonly #topics: Set<string>;
  readonly #handler: PushHandler | undefined;
  readonly #bufferSize: number;
  readonly #bufferBytes: number;
  readonly #opts: SubscribeOptions;
  readonly #closed = deferred<Error | undefined>();
  #response: Message | undefined;
  #buf: Array<Message | undefined> = [];
  #head = 0;
  #bytes = 0;
  #waiter: Deferred<void> | undefined;
  #ended = false;
  #iterating = false;
  #slow = false;
  #received = 0;
  #dropped = 0;
  #handlerErrors = 0;

  constructor(owner: SubscriptionOwner, topics: readonly string[], handler: PushHandler | undefined, opts: SubscribeOptions) {
    const size = opts.bufferSize ?? DEFAULT_SUBSCRIPTION_BUFFER;
    if (!Number.isSafeInteger(size) || size < 1) throw new ArgumentError(ErrorCode.INVALID_OPTION, 'bufferSize must be a positive integer');
    const bytes = opts.bufferBytes === undefined ? DEFAULT_SUBSCRIPTION_BUFFER_BYTES : parseSize(opts.bufferBytes, 'bufferBytes');
    if (bytes < 1) throw new ArgumentError(ErrorCode.INVALID_OPTION, 'bufferBytes must be a positive number of bytes');
    if (handler !== undefined && typeof handler !== 'function') throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'The handler must be a function');
    this.#owner = owner;
    this.#topics = new Set(topics);
    this.#handler = handler;
    this.#bufferSize = size;
    this.#bufferBytes = bytes;
    this.#opts = opts;
    // The pump is never awaited: it ends with the subscription and catches the handler's errors itself.
    if (handler !== undefined) void this.#pump(handler);
  }

  get topics(): readonly string[] {
    return [...this.#topics];
  }

  get response(): Message {
    if (this.#response === undefined) throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'The subscription is not confirmed yet');
    return this.#response;
  }

  /** Set once the server confirmed the subscription. */
  confirm(res: Message): void {
    this.#response = res;
  }

  get isClosed(): boolean {
    return this.#ended;
  }

  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  get received(): number {
    return this.#received;
  }

  get dropped(): number {
    return this.#dropped;
  }

  get pending(): number {
    return this.#buf.length - this.#head;
  }

  get pendingBytes(): number {
    return this.#bytes;
  }

  get handlerErrors(): number {
    return this.#handlerErrors;
  }

  /** Takes a push from the socket read path: only buffers it (or drops it) and wakes the consumer. */
  accept(msg: Message): void {
    this.#received++;
    const size = msg.data.length;
    const pending = this.pending;
    if (pending >= this.#bufferSize || (pending > 0 && this.#bytes + size > this.#bufferBytes)) {
      this.#dropped++;
      if (!this.#slow) {
        this.#slow = true;
        this.#owner.slow?.(this);
        this.#opts.onSlowConsumer?.(this);
      }
      return;
    }
    this.#buf.push(msg);
    this.#bytes += size;
    this.#wake();
  }

  /** Removes a topic (taken over by another subscription or unsubscribed); ends when none is left. */
  dropTopic(topic: string): void {
    this.#topics.delete(topic);
    if (this.#topics.size === 0) this.end(undefined);
  }

  /** Topics still owned, then forgets them. */
  takeTopics(): string[] {
    const t = [...this.#topics];
    this.#topics.clear();
    return t;
  }

  /** Ends the subscription: no more pushes; the consumer still gets what is buffered. Idempotent. */
  end(err: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#topics.clear();
    this.#wake();
    this.#closed.resolve(err);
  }

  unsubscribe(opts?: RequestOptions): Promise<void> {
    return this.#owner.release(this, opts);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.unsubscribe();
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    if (this.#handler !== undefined) throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'A subscription with a handler cannot be iterated');
    if (this.#iterating) throw new ArgumentError(ErrorCode.INVALID_ARGUMENT, 'A subscription can only be iterated by one loop at a time');
    this.#iterating = true;
    return this.#iterate();
  }

  async *#iterate(): AsyncGenerator<Message, void, undefined> {
    let run = 0;
    try {
      for (;;) {
        const m = this.#take();
        if (m !== undefined) {
          yield m;
          if (++run >= BATCH) {
            run = 0;
            await yieldToIo();
          }
          continue;
        }
        if (this.#ended) return;
        run = 0;
        await this.#wait();
      }
    } finally {
      this.#iterating = false;
      // Leaving the loop early unsubscribes; a failed UNSUBSCRIBE becomes the close reason, not an exception of `break`.
      if (!this.#ended) await this.unsubscribe().catch((err: unknown) => this.end(err instanceof Error ? err : new Error(String(err))));
    }
  }

  async #pump(handler: PushHandler): Promise<void> {
    let run = 0;
    for (;;) {
      const m = this.#take();
      if (m === undefined) {
        if (this.#ended) return;
        run = 0;
        await this.#wait();
        continue;
      }
      try {
        await handler(m);
      } catch (err) {
        this.#handlerErrors++;
        try {
          this.#opts.onHandlerError?.(err, m);
        } catch {
          this.#handlerErrors++; // the error callback itself failed: counted, never crashes the client
        }
      }
      if (++run >= BATCH) {
        run = 0;
        await yieldToIo();
      }
    }
  }

  #take(): Message | undefined {
    if (this.#head >= this.#buf.length) return undefined;
    const m = this.#buf[this.#head] as Message;
    this.#buf[this.#head] = undefined; // not kept alive by the buffer once handed out
    this.#head++;
    this.#bytes -= m.data.length;
    if (this.#head === this.#buf.length) {
      this.#buf = [];
      this.#head = 0;
    } else if (this.#head >= 4096 && this.#head * 2 >= this.#buf.length) {
      this.#buf = this.#buf.slice(this.#head);
      this.#head = 0;
    }
    if (this.#slow && this.pending <= this.#bufferSize / 2 && this.#bytes <= this.#bufferBytes / 2) this.#slow = false;
    return m;
  }

  #wait(): Promise<void> {
    this.#waiter = deferred<void>();
    return this.#waiter.promise;
  }

  #wake(): void {
    const w = this.#waiter;
    if (w === undefined) return;
    this.#waiter = undefined;
    w.resolve();
  }
}
