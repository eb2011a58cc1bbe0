import type { Socket } from 'node:net';
import { ArgumentError, ConnectionError, ErrorCode, IpcError, isIpcError, RequestError, toError } from '../errors.js';
import { openTlsSocket } from './tls.js';
import { newMessageId } from '../message/ids.js';
import { messageFromFields, type Message } from '../message/message.js';
import { Connection } from '../transport/connection.js';
import { formatEndpoint, type Endpoint } from '../transport/endpoint.js';
import { MAX_MESSAGE_SIZE_LIMIT } from '../transport/message-codec.js';
import { abortError, pause } from '../util/abort.js';
import { deferred } from '../util/deferred.js';
import { backoffDelay, RetryBudget } from '../util/backoff.js';
import { handshake, type ServerConfig } from './handshake.js';
import { PendingCalls } from './pending.js';
import { Pinger, type PingTarget } from './ping.js';
import { openSocket } from './socket.js';
import { reconnectLoop, resolveReconnect, type ReconnectSettings } from './reconnect.js';
import { failureClass, NO_RETRY, repeatability, resolveBudget, resolveRetry, type RetrySettings } from './retry.js';
import { operationOf, StatsRecorder, type ClientStats } from './stats.js';
import { StatusHub, type ClientStatusEvent } from './status.js';
import { pubsubOf } from './pubsub.js';
import { EXTENDED_STATUS_TOPIC, type ExtendedStatus } from '../protocol/extended-status.js';
import type { PushHandler, SubscribeOptions, Subscription } from './subscription.js';
import { resolveClientSettings, type ClientOptions, type ClientSettings } from './options.js';
import * as queues from './queues.js';
import type { ClientCreateQueueOptions, ClientQueueStatus, ConsumeOptions, OfferOptions, PollOptions } from './queues.js';
import * as leases from './leases.js';
import type { LeasedMessage, NackOptions } from './leases.js';

import type { ClientCore, InternalRequestOptions, RequestOptions } from './core.js';
export type { ClientCore, CloseOptions, ConfigureOptions, InternalRequestOptions, RequestOptions } from './core.js';
import type { CloseOptions, ConfigureOptions } from './core.js';

/** An open connection to a Venice IPC server. */
export interface Client {
  /** The server URI. */
  readonly uri: string;
  /** True between a successful connect and close (or the loss of the connection; false while reconnecting). */
  readonly running: boolean;
  /**
   * Resolves when the client is closed for good (never rejects): `undefined` after `close()`,
   * the error after `destroy(err)`, and a ConnectionError (CONNECTION_CLOSED, with the cause)
   * when the connection was lost and not (or no longer) reconnected.
   */
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
  poll(queue: string, opts: PollOptions & { readonly lease: number }): Promise<LeasedMessage>;
  poll(queue: string, opts?: PollOptions): Promise<Message>;
  /** Removes a message polled with `{ lease }` for good (queue extension). LEASE_NOT_HELD when the lease ran out or is not this connection's. */
  ack(msg: Message): Promise<void>;
  /** Puts a leased message back at its place in the order, now or after `delay` ms (queue extension). */
  nack(msg: Message, opts?: NackOptions): Promise<void>;
  /** Renews a lease to run `ms` from now; resolves with its new end, ms since the epoch (queue extension). */
  extend(msg: Message, ms: number): Promise<number>;
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
   * Drains: refuses new calls, lets pending ones finish up to `closeTimeout` (5 s), rejects the
   * rest with CLIENT_CLOSED, closes the socket. Idempotent.
   */
  close(opts?: CloseOptions): Promise<void>;
  /** Closes at once: pending calls reject with CLIENT_CLOSED (cause `err`), `closed` resolves with `err`. Idempotent. */
  destroy(err?: Error): void;
  /** Events of the connection's life (disconnect, reconnecting, reconnect, error, heartbeat timeout, slow consumer); ends when the client closes. */
  status(): AsyncIterable<ClientStatusEvent>;
  /** Latency per operation (count, p50, p90, p99, max, ms) and retry/reconnect counts. */
  stats(): ClientStats;
  /** Changes the default timeout and the retry settings at run time, without reconnecting. */
  configure(opts: ConfigureOptions): void;
  [Symbol.asyncDispose](): Promise<void>;
}

type State = 'handshake' | 'open' | 'reconnecting' | 'closing' | 'closed';

/** `request()` without options (one object, not one per call). */
const NO_OPTIONS: InternalRequestOptions = Object.freeze({});
/** What `send()` changes in a message that is not yet a two-way REQUEST. */
const AS_REQUEST = Object.freeze({ type: 'REQUEST', oneway: false, subscriptionReply: false } as const);

/** Reads with `reconnect` on and `retry` off: sent once more on the new connection. */
const RESEND: RetrySettings = Object.freeze({ ...NO_RETRY, attempts: 2, initialDelay: 0, maxDelay: 0, on: ['connection'] as const });

class ClientImpl implements Client, ClientCore {
  readonly #options: Readonly<ClientOptions>;
  readonly #stats = new StatsRecorder();
  readonly #pending = new PendingCalls(this.#stats);
  readonly #hub = new StatusHub();
  readonly #closed = deferred<Error | undefined>();
  /** Aborted when the client closes: ends backoff waits and the reconnect loop. */
  readonly #stop = new AbortController();
  readonly #reconnect: ReconnectSettings | undefined;
  readonly #budget: RetryBudget | undefined;
  /** Temporary queues this client created on the current connection. */
  readonly #tempQueues = new Set<string>();
  #settings: ClientSettings;
  #retry: RetrySettings;
  #conn: Connection;
  #endpoint: Endpoint;
  #config: ServerConfig | undefined;
  #state: State = 'handshake';
  #closing: Promise<void> | undefined;
  readonly #pinger = new Pinger();
  /** Messages received (all connections): the pinger's sign of life. */
  #inbound = 0;
  onPush: ((msg: Message) => void) | undefined;
  onReconnect: (() => Promise<number>) | undefined;

  constructor(socket: Socket, settings: ClientSettings, options: Readonly<ClientOptions>, endpoint: Endpoint) {
    this.#settings = settings;
    this.#options = options;
    this.#endpoint = endpoint;
    this.#retry = resolveRetry(options.retry, NO_RETRY);
    this.#reconnect = resolveReconnect(options.reconnect, settings.endpoint);
    const budget = resolveBudget(options.retry);
    this.#budget = budget === undefined ? undefined : new RetryBudget(budget);
    this.#conn = this.#attach(socket);
  }

  /** Wraps a socket; events of a connection that is no longer the current one are ignored. */
  #attach(socket: Socket): Connection {
    const conn: Connection = new Connection(
      socket,
      { maxMessageSize: MAX_MESSAGE_SIZE_LIMIT },
      {
        onMessage: (m) => {
          if (conn === this.#conn) this.#onMessage(m);
        },
        onClose: (e) => {
          if (conn === this.#conn) this.#onClose(e);
        },
      },
    );
    conn.codec.exactPayloads = false; // a client's messages are the caller's; pooled copies are cheaper
    return conn;
  }

  get settings(): ClientSettings {
    return this.#settings;
  }

  get connection(): Connection {
    return this.#conn;
  }

  get uri(): string {
    return formatEndpoint(this.#endpoint);
  }

  get running(): boolean {
    return this.#state === 'open';
  }

  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  get serverConfig(): ServerConfig {
    if (this.#config === undefined) throw new ConnectionError(ErrorCode.CONNECT_FAILED, 'The handshake has not completed');
    return this.#config;
  }

  get encrypted(): boolean {
    return this.#conn.codec.cipher !== undefined;
  }

  async open(): Promise<void> {
    await this.#setup(this.#conn);
    if (this.#state !== 'handshake') throw this.#notOpen();
    this.#state = 'open';
    this.#startPing();
  }

  /** Runs the handshake on the current connection and applies what the server announced. */
  async #setup(conn: Connection): Promise<void> {
    const config = await handshake(this);
    conn.setMaxMessageSize(config.maxMessageSize);
    conn.codec.compressCutoff = config.compressCutoffSize;
    this.#config = config;
  }

  #notOpen(): IpcError {
    if (this.#state === 'reconnecting') {
      return new ConnectionError(ErrorCode.CONNECTION_CLOSED, 'The connection was lost and the client is reconnecting', { cause: this.#closedWith });
    }
    if (!this.#userClosed && this.#state === 'closed') {
      const why = (this.#closedWith ?? new Error('the server closed it')).message;
      return new ConnectionError(ErrorCode.CONNECTION_CLOSED, `The connection is closed: ${why}`, { cause: this.#closedWith });
    }
    return new ConnectionError(ErrorCode.CLIENT_CLOSED, 'The client is not open!');
  }

  /** Why the connection was lost for good (or, while reconnecting, the last loss). */
  #closedWith: Error | undefined;
  /** close() or destroy() was called. */
  #userClosed = false;

  assertOpen(): void {
    if (this.#state === 'closing' || this.#state === 'closed') throw this.#notOpen();
  }

  emitStatus(e: ClientStatusEvent): void {
    this.#hub.emit(e);
  }

  request(msg: Message, opts: InternalRequestOptions = NO_OPTIONS): Promise<Message> {
    let policy: RetrySettings;
    try {
      this.assertOpen();
      if (opts.skipSizeCheck !== true) this.#conn.codec.checkSize(msg);
      if (opts.direct === true) return this.#pending.add(msg, opts, opts.timeout ?? this.#settings.timeout, opts.signal, this.#conn);
      policy = opts.retry === undefined ? this.#retry : resolveRetry(opts.retry, this.#retry);
    } catch (err) {
      return Promise.reject(toError(err));
    }
    let m = msg;
    // Retries off and nothing to re-send after a reconnect (the default): no need to know how
    // safe the call is to repeat.
    if (policy.attempts > 1 || this.#reconnect !== undefined) {
      const kind = opts.idempotent === undefined ? repeatability(msg) : opts.idempotent ? 'read' : 'unsafe';
      if (kind === 'write' && policy.writes && policy.attempts > 1) {
        // The server de-duplicates by request id: give the call one that no other call has.
        if (m.requestId === null) m = m.with({ requestId: newMessageId() });
      } else if (kind === 'read') {
        if (policy.attempts <= 1 && this.#reconnect !== undefined) policy = RESEND;
      } else {
        policy = NO_RETRY;
      }
    }
    if (policy.attempts <= 1) {
      // One attempt: the pending entry is the whole call (its Promise is the caller's, and it
      // records the latency), without an async wrapper, a closure or a second Promise (issue 11).
      this.#budget?.deposit();
      return this.#pending.add(m, opts, opts.timeout ?? this.#settings.timeout, opts.signal, this.#state === 'open' ? this.#conn : undefined, false, operationOf(m.type, m.topic));
    }
    return this.#call(m, opts, policy);
  }

  /** A call with retries: attempts, each with the response timeout, retried with backoff as `policy` allows. */
  async #call(msg: Message, opts: InternalRequestOptions, policy: RetrySettings): Promise<Message> {
    const op = operationOf(msg.type, msg.topic);
    const t0 = performance.now();
    const timeout = opts.timeout ?? this.#settings.timeout;
    this.#budget?.deposit();
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.#pending.add(msg, opts, timeout, opts.signal, this.#state === 'open' ? this.#conn : undefined, attempt < policy.attempts);
        this.#stats.ok(op, t0);
        return res;
      } catch (err) {
        if (!this.#mayRetry(err, attempt, policy, opts.signal)) {
          this.#stats.failed(op);
          throw err;
        }
      }
      this.#stats.retries++;
      const signal = opts.signal === undefined ? this.#stop.signal : AbortSignal.any([this.#stop.signal, opts.signal]);
      await pause(backoffDelay(policy, attempt), signal);
      if (opts.signal?.aborted === true) {
        this.#stats.failed(op);
        throw abortError(opts.signal);
      }
      if (this.#state === 'closing' || this.#state === 'closed') {
        this.#stats.failed(op);
        throw this.#notOpen();
      }
    }
  }

  #mayRetry(err: unknown, attempt: number, policy: RetrySettings, signal: AbortSignal | undefined): boolean {
    if (attempt >= policy.attempts || signal?.aborted === true) return false;
    const cls = failureClass(err);
    if (cls === undefined || !policy.on.includes(cls)) return false;
    if (this.#state === 'closing' || this.#state === 'closed') return false;
    if (cls === 'connection' && this.#state !== 'reconnecting' && this.#state !== 'open') return false;
    if (this.#budget !== undefined && !this.#budget.withdraw()) {
      this.#stats.retriesRefused++;
      return false;
    }
    return true;
  }

  send(msg: Message, opts?: RequestOptions): Promise<Message> {
    const req = msg.type === 'REQUEST' && !msg.oneway && !msg.subscriptionReply ? msg : msg.with(AS_REQUEST);
    return this.request(req, opts);
  }

  async sendOneway(msg: Message): Promise<void> {
    if (this.#state !== 'open') throw this.#notOpen();
    const m = msg.with({ type: 'REQUEST', oneway: true, subscriptionReply: false });
    this.#conn.codec.checkSize(m);
    await this.#conn.sendAsync(m);
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

  poll(queue: string, opts: PollOptions & { readonly lease: number }): Promise<LeasedMessage>;
  poll(queue: string, opts?: PollOptions): Promise<Message>;
  poll(queue: string, opts?: PollOptions): Promise<Message> {
    return queues.poll(this, queue, opts);
  }

  ack(msg: Message): Promise<void> {
    return leases.ack(this, msg);
  }

  nack(msg: Message, opts?: NackOptions): Promise<void> {
    return leases.nack(this, msg, opts);
  }

  extend(msg: Message, ms: number): Promise<number> {
    return leases.extend(this, msg, ms);
  }

  consume(queue: string, opts?: ConsumeOptions): AsyncIterable<Message> {
    return queues.consume(this, queue, opts);
  }

  createQueue(name: string, capacity: number, opts?: ClientCreateQueueOptions): Promise<void> {
    return queues.createQueue(this, name, capacity, opts);
  }

  async createTemporaryQueue(capacity: number): Promise<string> {
    const name = await queues.createTemporaryQueue(this, capacity);
    this.#tempQueues.add(name);
    return name;
  }

  async removeQueue(name: string): Promise<void> {
    await queues.removeQueue(this, name);
    this.#tempQueues.delete(name);
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

  status(): AsyncIterable<ClientStatusEvent> {
    return this.#hub.stream();
  }

  stats(): ClientStats {
    return this.#stats.snapshot();
  }

  configure(opts: ConfigureOptions): void {
    if (opts === null || typeof opts !== 'object') throw new ArgumentError(ErrorCode.INVALID_OPTION, 'configure expects an options object');
    const timeout = opts.timeout;
    if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)) {
      throw new ArgumentError(ErrorCode.INVALID_OPTION, 'timeout must be a positive number of milliseconds');
    }
    const retry = resolveRetry(opts.retry, this.#retry);
    if (timeout !== undefined) this.#settings = { ...this.#settings, timeout };
    this.#retry = retry;
  }

  #onMessage(msg: Message): void {
    this.#inbound++;
    if (msg.subscriptionReply) {
      this.onPush?.(msg);
      return;
    }
    this.#pending.answer(msg);
  }

  /** The current connection closed: reconnect, or close the client with the loss as reason. */
  #onClose(err: Error | undefined): void {
    this.#stopPing();
    const state = this.#state;
    if (state === 'closed') return;
    const lost = new ConnectionError(
      ErrorCode.CONNECTION_CLOSED,
      err === undefined ? 'The connection was lost: the server closed it' : `The connection was lost: ${err.message}`,
      { cause: err },
    );
    // Calls sent on it fail now; those safe to repeat are retried by #call on the next connection.
    const rejected = this.#pending.reject(lost, 'sent');
    if (state === 'closing' || state === 'reconnecting') return; // close() or the reconnect loop goes on
    if (state === 'open') {
      this.#stats.disconnects++;
      this.#hub.emit({ type: 'disconnect', endpoint: this.uri, error: lost });
      if (this.#tempQueues.size > 0) {
        this.#hub.emit({ type: 'temporary-queues-lost', queues: [...this.#tempQueues] });
        this.#tempQueues.clear();
      }
    }
    if (state === 'open' && this.#reconnect !== undefined) {
      this.#state = 'reconnecting';
      this.#closedWith = lost;
      // Never rejects: failures end in #finish.
      void this.#reconnectNow(this.#reconnect, Date.now(), rejected);
      return;
    }
    this.#pending.reject(lost, 'all');
    this.#closedWith = lost;
    this.#finish(lost);
  }

  async #reconnectNow(r: ReconnectSettings, since: number, rejected: number): Promise<void> {
    let done: { endpoint: Endpoint; attempt: number };
    try {
      done = await reconnectLoop(r, { open: (e) => this.#reopen(e), emit: (e) => this.#hub.emit(e) }, this.#stop.signal);
    } catch (err) {
      if (this.#state !== 'reconnecting') return; // closing: close() settles the calls
      const final = new ConnectionError(
        ErrorCode.CONNECTION_CLOSED,
        `The connection was lost and ${r.attempts} reconnect attempt(s) failed: ${toError(err).message}`,
        { cause: err },
      );
      this.#hub.emit({ type: 'error', error: final, final: true });
      this.#pending.reject(final, 'all');
      this.#closedWith = final;
      this.#finish(final);
      return;
    }
    if (this.#state !== 'reconnecting') {
      this.#conn.destroy();
      return;
    }
    if (!this.#conn.isOpen) {
      void this.#reconnectNow(r, since, rejected); // lost again right after the handshake
      return;
    }
    this.#endpoint = done.endpoint;
    this.#state = 'open';
    this.#stats.reconnects++;
    const resent = this.#pending.sendUnsent(this.#conn);
    this.#startPing();
    let resubscribed = 0;
    try {
      resubscribed = this.onReconnect === undefined ? 0 : await this.onReconnect();
    } catch (err) {
      this.#hub.emit({ type: 'error', error: toError(err), final: false });
    }
    this.#hub.emit({ type: 'reconnect', endpoint: this.uri, attempt: done.attempt, downtime: Date.now() - since, resubscribed, resent, rejected });
  }

  /** One reconnect attempt: a new socket, then the handshake again (encryption, login). */
  async #reopen(e: Endpoint): Promise<void> {
    const socket = await openTransport(e, this.#settings);
    if (this.#state !== 'reconnecting') {
      socket.destroy();
      throw this.#notOpen();
    }
    const conn = this.#attach(socket);
    this.#conn = conn;
    try {
      await this.#setup(conn);
    } catch (err) {
      conn.destroy();
      throw err;
    }
  }

  #startPing(): void {
    const conn = this.#conn;
    const cfg = this.#config;
    const target: PingTarget = {
      live: () => this.#state === 'open' && conn === this.#conn,
      inbound: () => this.#inbound,
      heartbeat: (msg, timeout) => this.request(msg, { timeout, direct: true }),
      dead: (err) => {
        this.#hub.emit({ type: 'heartbeat-timeout', endpoint: this.uri });
        conn.destroy(err);
      },
    };
    this.#pinger.start(target, this.#settings.heartbeat ? (cfg?.heartbeatInterval ?? 0) : 0, this.#settings.pingInterval);
  }

  #stopPing(): void {
    this.#pinger.stop();
  }

  /** The client is closed for good. */
  #finish(err: Error | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#stopPing();
    this.#stop.abort();
    this.#hub.end();
    this.#closed.resolve(err);
  }

  close(opts: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(opts.timeout ?? this.#settings.closeTimeout);
    return this.#closing;
  }

  async #close(deadline: number): Promise<void> {
    if (this.#state === 'closed') return;
    this.#userClosed = true;
    const wasOpen = this.#state === 'open';
    this.#state = 'closing';
    this.#stop.abort();
    this.#stopPing();
    const reason = new ConnectionError(ErrorCode.CLIENT_CLOSED, 'The client was closed before the response arrived');
    this.#pending.reject(reason, 'unsent'); // never sent: they cannot finish
    // Let calls in flight finish, but no longer than `deadline`: a long queue wait must not
    // hold close() (the server puts a message back for a closed poller).
    if (wasOpen) await this.#pending.drained(deadline);
    this.#pending.reject(reason, 'all');
    await this.#conn.close(1000);
    this.#finish(undefined);
  }

  destroy(err?: Error): void {
    if (this.#state === 'closed') return;
    this.#userClosed = true;
    this.#state = 'closing';
    this.#stop.abort();
    this.#stopPing();
    this.#pending.reject(new ConnectionError(ErrorCode.CLIENT_CLOSED, 'The client was destroyed', { cause: err }), 'all');
    this.#conn.destroy(err);
    this.#finish(err);
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

/** A plain or (with the `tls` option) TLS socket to `e`, for the first connect and every reconnect. */
function openTransport(e: Endpoint, settings: ClientSettings): Promise<Socket> {
  return settings.tls === undefined ? openSocket(e, settings.handshakeTimeout) : openTlsSocket(e, settings.handshakeTimeout, settings.tls);
}

async function connectOnce(settings: ClientSettings, options: Readonly<ClientOptions>, endpoint: Endpoint): Promise<Client> {
  const socket = await openTransport(endpoint, settings);
  const client = new ClientImpl(socket, settings, options, endpoint);
  try {
    await client.open();
  } catch (err) {
    client.destroy();
    if (err instanceof IpcError) throw err;
    throw new ConnectionError(ErrorCode.CONNECT_FAILED, `Failed to open client for ${client.uri}`, { cause: err });
  }
  return client;
}

/**
 * Opens a client: connects, then runs the handshake (configuration, key exchange and login
 * as the server requires). Rejects with a ConnectionError (CONNECT_FAILED / HANDSHAKE_FAILED)
 * or an AuthError. With `retry`, a failed connect or handshake is tried again with backoff
 * (over the `reconnect.endpoints` in turn); a refused login is not.
 *
 * ```ts
 * await using client = await connect({ port: 33333 });
 * ```
 */
export async function connect(options: Readonly<ClientOptions>): Promise<Client> {
  const settings = resolveClientSettings(options);
  const retry = resolveRetry(options.retry, NO_RETRY);
  const endpoints = resolveReconnect(options.reconnect, settings.endpoint)?.endpoints ?? [settings.endpoint];
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectOnce(settings, options, endpoints[(attempt - 1) % endpoints.length] as Endpoint);
    } catch (err) {
      const again = isIpcError(err, ErrorCode.CONNECT_FAILED) || isIpcError(err, ErrorCode.HANDSHAKE_FAILED);
      if (!again || attempt >= retry.attempts) throw err;
      await pause(backoffDelay(retry, attempt));
    }
  }
}
