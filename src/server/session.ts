import type { Socket } from 'node:net';
import { ConnectionError, ErrorCode, isIpcError, MessageError, toError } from '../errors.js';
import type { Message } from '../message/message.js';
import { Connection, type ConnectionHandlers } from '../transport/connection.js';
import type { MessageCodec } from '../transport/message-codec.js';
import type { DispatchResult, RecordedError, ServerCore, SessionState } from './core.js';
import { dispatch, EXCLUSIVE_TYPES } from './dispatch.js';
import type { SessionGuard } from './hygiene.js';
import { ERROR_QUEUE_CAPACITY } from './options.js';
import { certificatePrincipal, isTlsSocket } from './tls.js';
import { describeError } from './request.js';
import { isRecordedError, textResponse } from './responses.js';
import { redactPaths } from './redact.js';

/**
 * One client connection on the server: its state (SEMANTICS §1), and the request loop.
 *
 * Requests are dispatched in arrival order. A request that completes asynchronously (a slow
 * handler, a queue wait) does not hold back later requests of the same connection, except
 * the handshake requests (CLIENT_CONFIG, key exchange, login), which later requests wait for.
 * Reading pauses while `maxInFlightPerConnection` requests are in progress.
 */
export class ServerSession implements SessionState, ConnectionHandlers {
  readonly id: number;
  readonly connection: Connection;
  readonly address: string;
  readonly certificatePrincipal: string | undefined;
  readonly transportSecure: boolean;
  /** Deadlines and limits of this connection (src/server/hygiene.ts). */
  readonly guard: SessionGuard;
  principal = 'anon';
  authenticated = false;
  authFailures = 0;
  keyExchangeAttempted = false;
  ackMode: string | undefined;
  lastHeartbeat = 0;
  // Per-feature state is created on first use: most connections never subscribe, own a
  // temporary queue, record an error or need the signal (issue 11: memory per idle connection).
  #subscriptions: Set<string> | undefined;
  #tempQueues: Set<string> | undefined;
  readonly #server: ServerCore;
  #abort: AbortController | undefined;
  /** Why the session was aborted before anyone asked for {@link signal}. */
  #abortReason: Error | undefined;
  #errors: RecordedError[] | undefined;
  readonly #onClosed: (s: ServerSession, err: Error | undefined) => void;
  #inFlight = 0;
  #idle: Array<() => void> | undefined;
  /**
   * Requests waiting for an exclusive (handshake) request to finish. Reading is paused
   * meanwhile, so this holds at most what one socket read already contained.
   */
  #held: Held[] | undefined;

  constructor(
    id: number,
    socket: Socket,
    server: ServerCore,
    onClosed: (s: ServerSession, err: Error | undefined) => void,
    guard: SessionGuard,
  ) {
    this.id = id;
    this.#server = server;
    this.#onClosed = onClosed;
    this.guard = guard;
    this.address = guard.address;
    this.certificatePrincipal = certificatePrincipal(socket);
    this.transportSecure = isTlsSocket(socket);
    if (this.certificatePrincipal !== undefined) {
      // A verified client certificate is the login (docs/security.md "TLS").
      this.principal = this.certificatePrincipal;
      this.authenticated = true;
    }
    this.connection = new Connection(
      socket,
      { maxMessageSize: server.settings.maxMessageSize, frameCap: server.settings.security.maxPreAuthFrameSize, inputObserver: guard },
      this,
    );
    this.connection.codec.compressCutoff = server.settings.compressCutoffSize;
    guard.attach(this);
  }

  /** `host:port` of the peer, or `unix-socket` (the socket keeps its peer's address once read). */
  get remote(): string {
    const s = this.connection.socket;
    return s.remoteAddress !== undefined ? `${s.remoteAddress}:${s.remotePort}` : 'unix-socket';
  }

  get subscriptions(): Set<string> {
    return (this.#subscriptions ??= new Set());
  }

  get tempQueues(): Set<string> {
    return (this.#tempQueues ??= new Set());
  }

  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
      if (this.#abortReason !== undefined) this.#abort.abort(this.#abortReason);
    }
    return this.#abort.signal;
  }

  /** Requests in progress on this connection. */
  get inFlight(): number {
    return this.#inFlight;
  }

  recordError(description: string, request: Message | undefined, exception?: unknown): void {
    this.#server.stats.responseDiscardedCount++;
    const errors = (this.#errors ??= []);
    if (errors.length >= ERROR_QUEUE_CAPACITY) errors.shift();
    errors.push({
      description: redactPaths(description),
      request,
      exception: exception === undefined ? null : redactPaths(describeError(exception)),
    });
  }

  takeError(): { error: RecordedError; left: number } | undefined {
    const error = this.#errors?.shift();
    return error === undefined ? undefined : { error, left: (this.#errors as RecordedError[]).length };
  }

  push(msg: Message): void {
    this.connection.send(msg);
  }

  destroy(err: Error): void {
    this.connection.destroy(err);
  }

  /** Resolves when no request of this connection is in progress. */
  whenIdle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#idle ??= []).push(resolve));
  }

  /** Aborts the handlers' signals (server shutdown, or the connection closed). */
  abort(reason: Error): void {
    if (this.#abort !== undefined) this.#abort.abort(reason);
    else this.#abortReason ??= reason;
  }

  /** A decoded request (the connection's callback; not for handlers). */
  onMessage(msg: Message, encrypted: boolean): void {
    if (this.#held !== undefined) {
      this.#held.push({ msg, encrypted });
      return;
    }
    this.#process(msg, encrypted);
  }

  #process(msg: Message, encrypted: boolean): void {
    if (!this.connection.isOpen) return;
    this.#inFlight++;
    if (this.#inFlight >= this.#server.settings.maxInFlightPerConnection) this.connection.pauseReading('inflight');
    const start = this.#server.stats.requestStarted(this, msg);
    let result: DispatchResult;
    try {
      result = dispatch({ server: this.#server, session: this, encrypted }, msg);
    } catch (err) {
      result = this.#internalError(msg, err);
    }
    if (!(result instanceof Promise)) {
      this.#finish(msg, result, start);
      return;
    }
    // One `then` per async request (no finally/catch chain: each link is a promise and closures).
    if (!EXCLUSIVE_TYPES.has(msg.type)) {
      result.then(
        (res) => this.#settled(msg, res, start),
        (err: unknown) => this.#settled(msg, this.#internalError(msg, err), start),
      );
      return;
    }
    this.#held = [];
    this.connection.pauseReading('exclusive');
    result.then(
      (res) => this.#settled(msg, res, start, true),
      (err: unknown) => this.#settled(msg, this.#internalError(msg, err), start, true),
    );
  }

  /** An async request finished; a failure here is a bug, which closes the connection rather than going unhandled. */
  #settled(msg: Message, res: Message | null, start: number, exclusive = false): void {
    try {
      try {
        this.#finish(msg, res, start);
      } finally {
        if (exclusive) this.#release();
      }
    } catch (err) {
      this.connection.destroy(toError(err));
    }
  }

  /** The exclusive request finished: process what waited for it, in order. */
  #release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (let i = 0; i < held.length; i++) {
      const h = held[i] as Held;
      this.onMessage(h.msg, h.encrypted);
      const nowHeld = this.#held as Held[] | undefined; // that may have started another exclusive request
      if (nowHeld !== undefined) {
        nowHeld.push(...held.slice(i + 1));
        return; // still paused for the new exclusive request
      }
    }
    this.connection.resumeReading('exclusive');
  }

  #internalError(msg: Message, err: unknown): Message | null {
    if (isIpcError(err) && err.code === ErrorCode.INTERNAL) this.connection.destroy(err);
    const text = `Failed to handle request of type ${msg.type}!\n${describeError(err)}`;
    if (!msg.oneway) this.recordError(text, msg, err);
    return textResponse(msg, 'HANDLER_ERROR', text);
  }

  #finish(req: Message, res: Message | null, start: number): void {
    this.#server.stats.requestFinished(this, req, res, start);
    this.#inFlight--;
    if (EXCLUSIVE_TYPES.has(req.type)) this.#checkHandshake();
    if (this.#inFlight < this.#server.settings.maxInFlightPerConnection) this.connection.resumeReading('inflight');
    if (this.#inFlight === 0 && this.#idle !== undefined) {
      const idle = this.#idle;
      this.#idle = undefined;
      for (const f of idle) f();
    }
    if (res === null) return;
    if (req.oneway) {
      if (isRecordedError(res.status)) this.recordError(safeText(res), req);
      return;
    }
    if (!this.connection.isOpen) return;
    this.#sendResponse(req, res);
  }

  #sendResponse(req: Message, res: Message): void {
    try {
      this.connection.codec.checkSize(res);
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      // Java closes the connection here; we answer with an error the client can act on.
      const text = `Failed to send the response: ${err.message}`;
      this.recordError(text, req, err);
      this.connection.send(textResponse(req, 'HANDLER_ERROR', text));
      return;
    }
    this.connection.send(res); // server-built answers are redacted as built (responses.ts)
  }

  /** Ends the pre-handshake limits once CLIENT_CONFIG, key exchange and login (as required) are done. */
  #checkHandshake(): void {
    if (this.guard.handshakeDone || this.ackMode === undefined) return;
    const s = this.#server.settings;
    if (s.encrypt && !this.transportSecure && this.connection.codec.cipher === undefined) return;
    if (s.authenticator?.active === true && !this.authenticated) return;
    this.guard.completeHandshake();
  }

  /** The connection closed (the connection's callback; not for handlers). */
  onClose(err: Error | undefined): void {
    this.guard.close();
    this.abort(err ?? new ConnectionError(ErrorCode.CONNECTION_CLOSED, 'The client disconnected'));
    this.#onClosed(this, err);
  }

  /** Settings of this connection's codec (read by features such as the key exchange). */
  get codec(): MessageCodec {
    return this.connection.codec;
  }
}

/** A request that arrived while an exclusive request was in progress. */
interface Held {
  readonly msg: Message;
  readonly encrypted: boolean;
}

function safeText(m: Message): string {
  try {
    return m.text;
  } catch {
    return `${m.status} response`;
  }
}
