/**
 * Connection hygiene (docs/security.md): who may connect (allow-list, per-address cap, room at
 * `maxConnections` by evicting unauthenticated or idle connections), and per connection the
 * handshake, idle and frame deadlines plus the server-wide budget of bytes held in partly
 * received messages.
 */
import type { Socket } from 'node:net';
import { ConnectionError, ErrorCode, type IpcError } from '../errors.js';
import type { Connection, InputObserver } from '../transport/connection.js';
import { isAllowed, type SecuritySettings } from './security-options.js';
import type { ConnectionRefusalReason } from '../util/diagnostics.js';

/** Why {@link ConnectionHygiene.admit} refused a socket. */
export interface Refusal {
  readonly reason: ConnectionRefusalReason;
  readonly error: IpcError;
}

/** What the guard needs of its session. */
export interface GuardedSession {
  readonly connection: Connection;
  /** Requests of the connection in progress. */
  readonly inFlight: number;
  destroy(err: Error): void;
}

/** The IP address of a socket's peer, or `unix` for a Unix-domain socket. */
export function peerAddress(socket: Socket): string {
  return socket.remoteAddress ?? 'unix';
}

/** Server-wide state: address counts, the pending-bytes budget, admission. */
export class ConnectionHygiene {
  readonly settings: SecuritySettings;
  readonly #maxConnections: number;
  readonly #byAddress = new Map<string, number>();
  readonly #guards = new Set<SessionGuard>();
  /** Bytes held in partly received messages, over all connections. */
  heldBytes = 0;

  constructor(settings: SecuritySettings, maxConnections: number) {
    this.settings = settings;
    this.#maxConnections = maxConnections;
  }

  /**
   * Decides about a new socket: an error to refuse it with, or undefined to accept it (after
   * evicting, when the server is full, the connection {@link pickVictim} chose).
   */
  admit(socket: Socket): Refusal | undefined {
    const s = this.settings;
    const address = peerAddress(socket);
    if (s.allow !== undefined && address !== 'unix' && !isAllowed(s.allow, address)) {
      return { reason: 'not-allowed', error: new ConnectionError(ErrorCode.ADDRESS_NOT_ALLOWED, `Address ${address} is not in the allow list`) };
    }
    if (s.maxConnectionsPerAddress > 0 && address !== 'unix' && (this.#byAddress.get(address) ?? 0) >= s.maxConnectionsPerAddress) {
      return { reason: 'per-address-limit', error: new ConnectionError(ErrorCode.TOO_MANY_CONNECTIONS, `Too many connections from ${address}`) };
    }
    let open = 0;
    for (const g of this.#guards) if (!g.evicted) open++;
    if (open < this.#maxConnections) return undefined;
    const victim = this.#pickVictim();
    if (victim === undefined) return { reason: 'max-connections', error: new ConnectionError(ErrorCode.TOO_MANY_CONNECTIONS, 'The server is at its connection limit') };
    victim.evict();
    return undefined;
  }

  /** The oldest connection still in its handshake, else the one idle longest (if idle enough). */
  #pickVictim(): SessionGuard | undefined {
    const now = Date.now();
    let unauth: SessionGuard | undefined;
    let idle: SessionGuard | undefined;
    for (const g of this.#guards) {
      if (g.evicted) continue;
      if (!g.handshakeDone) {
        if (unauth === undefined || g.openedAt < unauth.openedAt) unauth = g;
      } else if (g.idleFor(now) >= this.settings.idleEvictionAge && !g.busy && (idle === undefined || g.lastActivity < idle.lastActivity)) {
        idle = g;
      }
    }
    return unauth ?? idle;
  }

  /** True when a TCP peer passes the allow-list (checked before a TLS handshake is spent on it). */
  allowed(socket: Socket): boolean {
    const a = this.settings.allow;
    const address = peerAddress(socket);
    return a === undefined || address === 'unix' || isAllowed(a, address);
  }

  /** Creates the guard of an accepted socket. */
  guard(socket: Socket): SessionGuard {
    const address = peerAddress(socket);
    const g = new SessionGuard(this, address);
    this.#guards.add(g);
    this.#byAddress.set(address, (this.#byAddress.get(address) ?? 0) + 1);
    return g;
  }

  /** Forgets a closed connection's guard. */
  release(g: SessionGuard): void {
    if (!this.#guards.delete(g)) return;
    const n = (this.#byAddress.get(g.address) ?? 1) - 1;
    if (n <= 0) this.#byAddress.delete(g.address);
    else this.#byAddress.set(g.address, n);
  }
}

/** Per-connection deadlines and budget accounting; the connection's {@link InputObserver}. */
export class SessionGuard implements InputObserver {
  readonly address: string;
  readonly openedAt = Date.now();
  lastActivity = Date.now();
  handshakeDone = false;
  evicted = false;
  readonly #hygiene: ConnectionHygiene;
  #session: GuardedSession | undefined;
  #held = 0;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #frameTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(hygiene: ConnectionHygiene, address: string) {
    this.#hygiene = hygiene;
    this.address = address;
  }

  /** Ms since the connection last sent a byte. */
  idleFor(now: number): number {
    return now - this.lastActivity;
  }

  /** A request of the connection is in progress. */
  get busy(): boolean {
    return (this.#session?.inFlight ?? 0) > 0;
  }

  /** Starts the deadlines for `session`. */
  attach(session: GuardedSession): void {
    this.#session = session;
    const s = this.#hygiene.settings;
    if (s.handshakeTimeout > 0) {
      this.#handshakeTimer = setTimeout(() => {
        this.#fail(ErrorCode.HANDSHAKE_TIMEOUT, `The handshake did not complete within ${s.handshakeTimeout} ms`);
      }, s.handshakeTimeout).unref();
    }
    if (s.idleTimeout > 0) this.#armIdle(s.idleTimeout);
  }

  #armIdle(ms: number): void {
    this.#idleTimer = setTimeout(() => {
      const limit = this.#hygiene.settings.idleTimeout;
      const idle = this.idleFor(Date.now());
      if (idle >= limit && !this.busy) {
        this.#fail(ErrorCode.IDLE_TIMEOUT, `No frame for ${limit} ms`);
        return;
      }
      this.#armIdle(this.busy ? limit : Math.max(1, limit - idle));
    }, ms).unref();
  }

  /** CLIENT_CONFIG, key exchange and login (as required) are done: the pre-handshake limits end. */
  completeHandshake(): void {
    if (this.handshakeDone) return;
    this.handshakeDone = true;
    clearTimeout(this.#handshakeTimer);
    this.#session?.connection.setFrameCap(undefined);
  }

  /** Closes the connection to make room for a new one. */
  evict(): void {
    this.evicted = true;
    this.#fail(ErrorCode.EVICTED, 'Closed to make room for a new connection (unauthenticated or idle)');
  }

  afterChunk(heldBytes: number, midFrame: boolean, frames: number): void {
    if (this.#closed) return;
    this.lastActivity = Date.now();
    const delta = heldBytes - this.#held;
    this.#held = heldBytes;
    this.#hygiene.heldBytes += delta;
    const s = this.#hygiene.settings;
    if (delta > 0 && this.#hygiene.heldBytes > s.maxPendingBytes) {
      this.#fail(ErrorCode.INPUT_BUDGET, `The server's budget of ${s.maxPendingBytes} bytes for partly received messages is used up`);
      return;
    }
    if (frames > 0 || !midFrame) {
      clearTimeout(this.#frameTimer);
      this.#frameTimer = undefined;
    }
    if (midFrame && this.#frameTimer === undefined && s.frameTimeout > 0) {
      this.#frameTimer = setTimeout(() => {
        this.#fail(ErrorCode.FRAME_TIMEOUT, `A message did not arrive completely within ${s.frameTimeout} ms`);
      }, s.frameTimeout).unref();
    }
  }

  #fail(code: ErrorCode, message: string): void {
    this.#session?.destroy(new ConnectionError(code, message));
  }

  /** The connection closed: stop the timers, return the held bytes to the budget. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#handshakeTimer);
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#frameTimer);
    this.#hygiene.heldBytes -= this.#held;
    this.#held = 0;
    this.#hygiene.release(this);
  }
}
