import { randomUUID } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { ConnectionError, ErrorCode, IpcError, RequestError, TimeoutError, toError } from '../errors.js';
import { messageFromFields, type Message } from '../message/message.js';
import { Connection } from '../transport/connection.js';
import { formatEndpoint, type Endpoint } from '../transport/endpoint.js';
import { MAX_MESSAGE_SIZE_LIMIT } from '../transport/message-codec.js';
import type { EncodeOptions } from '../transport/message-codec.js';
import { abortError, onAbort } from '../util/abort.js';
import { handshake, type ServerConfig } from './handshake.js';
import { pubsubOf } from './pubsub.js';
import { EXTENDED_STATUS_TOPIC, type ExtendedStatus } from '../protocol/extended-status.js';
import type { PushHandler, SubscribeOptions, Subscription } from './subscription.js';
import { resolveClientSettings, type ClientOptions, type ClientSettings } from './options.js';
import * as queues from './queues.js';
import type { ClientCreateQueueOptions, ClientQueueStatus, ConsumeOptions, OfferOptions, PollOptions } from './queues.js';

/** Per-request options. */
export interface RequestOptions {
  /** Response timeout in ms. Defaults to the client's `timeout` (10 s). */
  readonly timeout?: number;
  /** Aborts waiting for the response (the request may still be processed by the server). */
  readonly signal?: AbortSignal;
}

/** Internal request options (handshake steps, queue waits). */
export interface InternalRequestOptions extends RequestOptions, EncodeOptions {
  /** Skip the local size check (handshake messages are exempt, WIRE §12). */
  readonly skipSizeCheck?: boolean;
}

/** What feature modules (queues, pub/sub, security) use of a client. */
export interface ClientCore {
  readonly settings: ClientSettings;
  readonly connection: Connection;
  /** Sends a request and resolves with its response, correlated by message id. */
  request(msg: Message, opts?: InternalRequestOptions): Promise<Message>;
  /** Throws unless the client is open. */
  assertOpen(): void;
  /** Receives pub/sub pushes (messages with subscriptionReply = 1). */
  onPush: ((msg: Message) => void) | undefined;
}

/** An open connection to a Venice IPC server. */
export interface Client {
  /** The server URI. */
  readonly uri: string;
  /** True between a successful connect and close (or the loss of the connection). */
  readonly running: boolean;
  /** Resolves when the client is closed, with the error that closed it (never rejects). */
  readonly closed: Promise<Error | undefined>;
  /** What the server announced in the handshake. */
  readonly serverConfig: ServerConfig;
  /** True when this connection is encrypted. */
  readonly encrypted: boolean;
  /**
   * Sends a request and resolves with the response (`ipc/send`, `ipc/send-async`). Error
   * statuses are returned, not thrown: check `response.responseOk`. Rejects on timeout,
   * abort, a too-large message or a lost connection.
   */
  send(msg: Message, opts?: RequestOptions): Promise<Message>;
  /** Sends a one-way request; resolves once written (`ipc/send-oneway`). */
  sendOneway(msg: Message): Promise<void>;
  /** The server status object (`ipc/server-status`); RequestError unless OK. */
  serverStatus(opts?: RequestOptions): Promise<Record<string, unknown>>;
  /**
   * The venice-ipc extended status (connections, queues, topics, traffic, WAL; docs/operations.md):
   * an extension, asked only by this call. A Java server answers BAD_REQUEST (RequestError).
   */
  extendedStatus(opts?: RequestOptions): Promise<ExtendedStatus>;
  /** Server "thread pool" statistics (`ipc/server-thread-pool-statistics`). */
  serverThreadPoolStatistics(opts?: RequestOptions): Promise<Record<string, number>>;
  /**
   * Offers a message to a queue (`ipc/offer`, `ipc/offer-async`: both are this Promise).
   * Resolves with the response whatever its status: check `responseOk` (QUEUE_FULL,
   * QUEUE_NOT_FOUND … are returned, not thrown). The message's expiry travels with it.
   */
  offer(queue: string, msg: Message, opts?: OfferOptions): Promise<Message>;
  /**
   * Polls a queue (`ipc/poll`, `ipc/poll-async`). Resolves with the message (status OK, its
   * requestId, topics, payload and reply-to queue) or the QUEUE_EMPTY / QUEUE_NOT_FOUND response.
   */
  poll(queue: string, opts?: PollOptions): Promise<Message>;
  /** Yields the messages of a queue as they arrive, polling in a loop (see ConsumeOptions). */
  consume(queue: string, opts?: ConsumeOptions): AsyncIterable<Message>;
  /** Creates a queue (existing name: no-op); RequestError with the server's reason when refused. */
  createQueue(name: string, capacity: number, opts?: ClientCreateQueueOptions): Promise<void>;
  /** Creates a temporary queue owned by this connection; resolves with its name `queue/<uuid>`. */
  createTemporaryQueue(capacity: number): Promise<string>;
  /** Removes a queue and its messages; RequestError when refused. */
  removeQueue(name: string): Promise<void>;
  /** True when the queue exists; RequestError when refused. */
  existsQueue(name: string): Promise<boolean>;
  /** `{ name, exists, type, temporary, durable, capacity, size }`; RequestError when refused. */
  queueStatus(name: string): Promise<ClientQueueStatus>;
  /** Opens another client with the same options (`ipc/clone`). */
  clone(): Promise<Client>;
  /**
   * Subscribes to 1–20 topics (`ipc/subscribe`): iterate the returned subscription with
   * `for await`, or pass a handler. A later subscription to the same topic replaces this one
   * for that topic. See docs/pubsub.md.
   */
  subscribe(topics: string | readonly string[], opts?: SubscribeOptions): Promise<Subscription>;
  subscribe(topics: string | readonly string[], handler: PushHandler, opts?: SubscribeOptions): Promise<Subscription>;
  /** Ends the local subscriptions of these topics, then unsubscribes on the server (`ipc/unsubscribe`); resolves with the response. */
  unsubscribe(topics: string | readonly string[], opts?: RequestOptions): Promise<Message>;
  /** Publishes (`ipc/publish`, `ipc/publish-async`); resolves with OK "Message has been enqued to publish.". */
  publish(msg: Message, opts?: RequestOptions): Promise<Message>;
  /** Pushes the server dropped for this connection because it could not keep up (from the extended status; a Java server has none: RequestError). */
  publishDiscardedCount(opts?: RequestOptions): Promise<number>;
  /**
   * Stops new requests, waits for pending ones up to the request timeout, closes the socket.
   * Idempotent.
   */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Pending {
  resolve(m: Message): void;
  reject(e: Error): void;
}

class ClientImpl implements Client, ClientCore {
  readonly settings: ClientSettings;
  readonly connection: Connection;
  readonly #options: Readonly<ClientOptions>;
  readonly #pending = new Map<string, Pending>();
  #config: ServerConfig | undefined;
  #state: 'handshake' | 'open' | 'closing' | 'closed' = 'handshake';
  #closeError: Error | undefined;
  #closing: Promise<void> | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #lastInbound = Date.now();
  #drained: Array<() => void> = [];
  onPush: ((msg: Message) => void) | undefined;

  constructor(socket: Socket, settings: ClientSettings, options: Readonly<ClientOptions>) {
    this.settings = settings;
    this.#options = options;
    this.connection = new Connection(
      socket,
      { maxMessageSize: MAX_MESSAGE_SIZE_LIMIT },
      { onMessage: (m) => this.#onMessage(m), onClose: (e) => this.#onClose(e) },
    );
  }

  get uri(): string {
    return formatEndpoint(this.settings.endpoint);
  }

  get running(): boolean {
    return this.#state === 'open';
  }

  get closed(): Promise<Error | undefined> {
    return this.connection.closed;
  }

  get serverConfig(): ServerConfig {
    if (this.#config === undefined) throw new ConnectionError(ErrorCode.CONNECT_FAILED, 'The handshake has not completed');
    return this.#config;
  }

  get encrypted(): boolean {
    return this.connection.codec.cipher !== undefined;
  }

  async open(): Promise<void> {
    this.#config = await handshake(this);
    this.connection.setMaxMessageSize(this.#config.maxMessageSize);
    this.connection.codec.compressCutoff = this.#config.compressCutoffSize;
    if (this.#state !== 'handshake') throw this.#notOpen();
    this.#state = 'open';
    if (this.settings.heartbeat && this.#config.heartbeatInterval > 0) this.#startHeartbeat(this.#config.heartbeatInterval);
  }

  #notOpen(): IpcError {
    if (this.#closing === undefined) {
      const why = this.#closeError === undefined ? 'the server closed it' : this.#closeError.message;
      return new ConnectionError(ErrorCode.CONNECTION_CLOSED, `The connection is closed: ${why}`, { cause: this.#closeError });
    }
    return new ConnectionError(ErrorCode.CLIENT_CLOSED, 'The client is not open!');
  }

  assertOpen(): void {
    if (this.#state !== 'open' && this.#state !== 'handshake') throw this.#notOpen();
  }

  request(msg: Message, opts: InternalRequestOptions = {}): Promise<Message> {
    try {
      this.assertOpen();
      if (opts.skipSizeCheck !== true) this.connection.codec.checkSize(msg);
    } catch (err) {
      return Promise.reject(toError(err));
    }
    const signal = opts.signal;
    if (signal?.aborted === true) return Promise.reject(toError(abortError(signal)));
    const m = this.#pending.has(msg.id) ? msg.with({ id: randomUUID() }) : msg;
    const timeout = opts.timeout ?? this.settings.timeout;
    return new Promise<Message>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      let removeAbort = (): void => {};
      const settle = (): void => {
        this.#pending.delete(m.id);
        clearTimeout(timer);
        removeAbort();
        if (this.#pending.size === 0 && this.#drained.length > 0) {
          for (const f of this.#drained.splice(0)) f();
        }
      };
      this.#pending.set(m.id, {
        resolve: (r) => {
          settle();
          resolve(r);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      });
      timer = setTimeout(() => {
        settle();
        reject(new TimeoutError(ErrorCode.TIMEOUT, `Timeout after ${timeout}ms on receiving IPC message response.`));
      }, timeout);
      removeAbort = onAbort(signal, () => {
        settle();
        reject(toError(abortError(signal as AbortSignal)));
      });
      try {
        // No write callback: a failed write closes the connection, which rejects every pending request.
        if (!this.connection.isOpen) throw this.#notOpen();
        this.connection.send(m, opts);
      } catch (err) {
        this.#pending.get(m.id)?.reject(toError(err));
      }
    });
  }

  send(msg: Message, opts?: RequestOptions): Promise<Message> {
    const req = msg.type === 'REQUEST' && !msg.oneway && !msg.subscriptionReply ? msg : msg.with({ type: 'REQUEST', oneway: false, subscriptionReply: false });
    return this.request(req, opts);
  }

  async sendOneway(msg: Message): Promise<void> {
    if (this.#state !== 'open') throw this.#notOpen();
    const m = msg.with({ type: 'REQUEST', oneway: true, subscriptionReply: false });
    this.connection.codec.checkSize(m);
    await this.connection.sendAsync(m);
  }

  async #serverTopic(topic: string, opts?: RequestOptions): Promise<Message> {
    const req = messageFromFields({ topics: [topic], mimetype: 'application/json', charset: 'UTF-8', type: 'REQUEST' });
    const res = await this.request(req, opts);
    if (!res.responseOk) throw new RequestError(res.status, `Failed to get ${topic}: ${res.status} ${safeText(res)}`);
    return res;
  }

  async serverStatus(opts?: RequestOptions): Promise<Record<string, unknown>> {
    return (await this.#serverTopic('ipc-server/status', opts)).json<Record<string, unknown>>();
  }

  async extendedStatus(opts?: RequestOptions): Promise<ExtendedStatus> {
    return (await this.#serverTopic(EXTENDED_STATUS_TOPIC, opts)).json<ExtendedStatus>();
  }

  async serverThreadPoolStatistics(opts?: RequestOptions): Promise<Record<string, number>> {
    return (await this.#serverTopic('ipc-server/thread-pool-statistics', opts)).json<Record<string, number>>();
  }

  clone(): Promise<Client> {
    return connect(this.#options);
  }

  offer(queue: string, msg: Message, opts?: OfferOptions): Promise<Message> {
    return queues.offer(this, queue, msg, opts);
  }

  poll(queue: string, opts?: PollOptions): Promise<Message> {
    return queues.poll(this, queue, opts);
  }

  consume(queue: string, opts?: ConsumeOptions): AsyncIterable<Message> {
    return queues.consume(this, queue, opts);
  }

  createQueue(name: string, capacity: number, opts?: ClientCreateQueueOptions): Promise<void> {
    return queues.createQueue(this, name, capacity, opts);
  }

  createTemporaryQueue(capacity: number): Promise<string> {
    return queues.createTemporaryQueue(this, capacity);
  }

  removeQueue(name: string): Promise<void> {
    return queues.removeQueue(this, name);
  }

  existsQueue(name: string): Promise<boolean> {
    return queues.existsQueue(this, name);
  }

  queueStatus(name: string): Promise<ClientQueueStatus> {
    return queues.queueStatus(this, name);
  }

  subscribe(topics: string | readonly string[], a?: PushHandler | SubscribeOptions, b?: SubscribeOptions): Promise<Subscription> {
    return typeof a === 'function' ? pubsubOf(this).subscribe(topics, a, b) : pubsubOf(this).subscribe(topics, undefined, a);
  }

  unsubscribe(topics: string | readonly string[], opts?: RequestOptions): Promise<Message> {
    return pubsubOf(this).unsubscribe(topics, opts);
  }

  publish(msg: Message, opts?: RequestOptions): Promise<Message> {
    return pubsubOf(this).publish(msg, opts);
  }

  async publishDiscardedCount(opts?: RequestOptions): Promise<number> {
    return (await this.extendedStatus(opts))['publish-discarded-this-client-count'] ?? 0;
  }

  #onMessage(msg: Message): void {
    this.#lastInbound = Date.now();
    if (msg.subscriptionReply) {
      this.onPush?.(msg);
      return;
    }
    // Unknown ids (late answers to timed-out requests) are dropped, as Java does.
    this.#pending.get(msg.id)?.resolve(msg);
  }

  #onClose(err: Error | undefined): void {
    this.#state = 'closed';
    this.#closeError = err;
    clearInterval(this.#heartbeat);
    const reason =
      this.#closing !== undefined && err === undefined
        ? new ConnectionError(ErrorCode.CLIENT_CLOSED, 'The client was closed before the response arrived')
        : new ConnectionError(
            ErrorCode.CONNECTION_CLOSED,
            err === undefined ? 'The connection was closed' : `The connection was closed: ${err.message}`,
            { cause: err },
          );
    for (const p of [...this.#pending.values()]) p.reject(reason);
  }

  #startHeartbeat(seconds: number): void {
    this.#heartbeat = setInterval(() => {
      const sentAt = Date.now();
      const hb = messageFromFields({ type: 'HEARTBEAT', topics: ['heartbeat'], mimetype: 'text/plain', charset: 'UTF-8' });
      this.request(hb, { timeout: 5000 + seconds * 1000 }).catch((err: unknown) => {
        // Only a silent server counts: answers to other requests prove the connection is alive.
        if (this.#state === 'open' && this.#lastInbound < sentAt) {
          this.connection.destroy(new TimeoutError(ErrorCode.TIMEOUT, 'The server did not answer the heartbeat', { cause: err }));
        }
      });
    }, seconds * 1000);
    this.#heartbeat.unref();
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closing';
    clearInterval(this.#heartbeat);
    if (this.#pending.size > 0) {
      // Let in-flight requests finish, but no longer than the client's request timeout: a long
      // queue wait must not hold close() (the server puts a message back for a closed poller).
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#drained.push(resolve);
        timer = setTimeout(resolve, this.settings.timeout);
      });
      clearTimeout(timer);
    }
    await this.connection.close(1000);
    const reason = new ConnectionError(ErrorCode.CLIENT_CLOSED, 'The client was closed');
    for (const p of [...this.#pending.values()]) p.reject(reason);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function safeText(m: Message): string {
  try {
    return m.text;
  } catch {
    return '';
  }
}

function openSocket(e: Endpoint, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = e.kind === 'unix' ? netConnect(e.path) : netConnect({ host: e.host, port: e.port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectionError(ErrorCode.CONNECT_FAILED, `Timeout connecting to ${formatEndpoint(e)}`));
    }, timeoutMs);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(new ConnectionError(ErrorCode.CONNECT_FAILED, `Failed to connect to ${formatEndpoint(e)}: ${err.message}`, { cause: err }));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/**
 * Opens a client: connects, then runs the handshake (configuration, key exchange and login
 * as the server requires). Rejects with a ConnectionError (CONNECT_FAILED / HANDSHAKE_FAILED)
 * or an AuthError.
 *
 * ```ts
 * await using client = await connect({ port: 33333 });
 * ```
 */
export async function connect(options: Readonly<ClientOptions>): Promise<Client> {
  const settings = resolveClientSettings(options);
  const socket = await openSocket(settings.endpoint, settings.handshakeTimeout);
  const client = new ClientImpl(socket, settings, options);
  try {
    await client.open();
  } catch (err) {
    client.connection.destroy();
    if (err instanceof IpcError) throw err;
    throw new ConnectionError(ErrorCode.CONNECT_FAILED, `Failed to open client for ${client.uri}`, { cause: err });
  }
  return client;
}
