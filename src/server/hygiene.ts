/**
 * Connection hygiene (docs/security.md): who may connect (allow-list, per-address cap, room at
 * `maxConnections` by evicting unauthenticated or idle connections), and per connection the
 * handshake, idle and frame deadlines plus the server-wide budget of bytes held in partly
 * received messages.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ConnectionError, ErrorCode, type IpcError } from '../errors.js';
import type { Connection, InputObserver } from '../transport/connection.js';
import { isAllowed, type SecuritySettings } from './security-options.js';
import type { ConnectionRefusalReason } from '../util/diagnostics.js';
import { DeadlineLink, DeadlineList } from '../util/deadlines.js';

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
  /**
   * The handshake, idle and frame deadlines of every connection: one timer each for the whole
   * server, not one per connection (issue 11: memory per idle connection). Undefined when off.
   */
  readonly handshakeDeadlines: DeadlineList<SessionGuard> | undefined;
  readonly idleDeadlines: DeadlineList<SessionGuard> | undefined;
  readonly frameDeadlines: DeadlineList<SessionGuard> | undefined;

  constructor(settings: SecuritySettings, maxConnections: number) {
    this.settings = settings;
    this.#maxConnections = maxConnections;
    const s = settings;
    this.handshakeDeadlines = s.handshakeTimeout > 0 ? new DeadlineList(s.handshakeTimeout, (g) => g.handshakeDue()) : undefined;
    this.idleDeadlines = s.idleTimeout > 0 ? new DeadlineList(s.idleTimeout, (g) => g.idleDue()) : undefined;
    this.frameDeadlines = s.frameTimeout > 0 ? new DeadlineList(s.frameTimeout, (g) => g.frameDue()) : undefined;
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
    const now = performance.now();
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

/**
 * Per-connection deadlines and budget accounting; the connection's {@link InputObserver}. The
 * deadlines are links in the server-wide lists of {@link ConnectionHygiene} (no timer of its own).
 */
export class SessionGuard implements InputObserver {
  readonly address: string;
  /** `performance.now()` when the connection was accepted. */
  readonly openedAt: number;
  /** `performance.now()` when the connection last sent a byte. */
  lastActivity: number;
  handshakeDone = false;
  evicted = false;
  readonly #hygiene: ConnectionHygiene;
  #session: GuardedSession | undefined;
  #held = 0;
  /** Place in the idle deadline list (the guard's only long-lived link). */
  #idle: DeadlineLink<SessionGuard> | undefined;
  /** Place in the handshake deadline list, until the handshake is done. */
  #handshake: DeadlineLink<SessionGuard> | undefined;
  /** Place in the frame deadline list, created when a message first spans chunks. */
  #frame: DeadlineLink<SessionGuard> | undefined;
  #closed = false;

  constructor(hygiene: ConnectionHygiene, address: string) {
    this.#hygiene = hygiene;
    this.address = address;
    this.openedAt = performance.now();
    this.lastActivity = this.openedAt;
  }

  /** Ms since the connection last sent a byte (`now` from `performance.now()`). */
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
    const h = this.#hygiene;
    const now = this.openedAt;
    if (h.handshakeDeadlines !== undefined) h.handshakeDeadlines.arm((this.#handshake = new DeadlineLink(this)), now);
    if (h.idleDeadlines !== undefined) h.idleDeadlines.arm((this.#idle = new DeadlineLink(this)), now);
  }

  /** The handshake deadline passed (called by the server-wide list). */
  handshakeDue(): void {
    this.#fail(ErrorCode.HANDSHAKE_TIMEOUT, `The handshake did not complete within ${this.#hygiene.settings.handshakeTimeout} ms`);
  }

  /**
   * No byte arrived for `idleTimeout` (the link is re-armed on every chunk): closes the
   * connection, unless a request of it is in progress; then it is checked again a full
   * `idleTimeout` later.
   */
  idleDue(): void {
    if (this.#closed) return;
    if (!this.busy) {
      this.#fail(ErrorCode.IDLE_TIMEOUT, `No frame for ${this.#hygiene.settings.idleTimeout} ms`);
      return;
    }
    this.#hygiene.idleDeadlines?.arm(this.#idle as DeadlineLink<SessionGuard>);
  }

  /** A message that began to arrive did not complete within `frameTimeout`. */
  frameDue(): void {
    this.#fail(ErrorCode.FRAME_TIMEOUT, `A message did not arrive completely within ${this.#hygiene.settings.frameTimeout} ms`);
  }

  /** CLIENT_CONFIG, key exchange and login (as required) are done: the pre-handshake limits end. */
  completeHandshake(): void {
    if (this.handshakeDone) return;
    this.handshakeDone = true;
    if (this.#handshake !== undefined) this.#hygiene.handshakeDeadlines?.cancel(this.#handshake);
    this.#handshake = undefined;
    this.#session?.connection.setFrameCap(undefined);
  }

  /** Closes the connection to make room for a new one. */
  evict(): void {
    this.evicted = true;
    this.#fail(ErrorCode.EVICTED, 'Closed to make room for a new connection (unauthenticated or idle)');
  }

  afterChunk(heldBytes: number, midFrame: boolean, frames: number): void {
    if (this.#closed) return;
    const h = this.#hygiene;
    const now = performance.now();
    this.lastActivity = now;
    if (this.#idle !== undefined) h.idleDeadlines?.arm(this.#idle, now);
    const delta = heldBytes - this.#held;
    this.#held = heldBytes;
    h.heldBytes += delta;
    const s = h.settings;
    if (delta > 0 && h.heldBytes > s.maxPendingBytes) {
      this.#fail(ErrorCode.INPUT_BUDGET, `The server's budget of ${s.maxPendingBytes} bytes for partly received messages is used up`);
      return;
    }
    const fd = h.frameDeadlines;
    if (fd === undefined) return;
    const f = this.#frame;
    if ((frames > 0 || !midFrame) && f !== undefined) fd.cancel(f);
    if (midFrame && (f === undefined || !f.linked)) fd.arm(f ?? (this.#frame = new DeadlineLink(this)), now);
  }

  #fail(code: ErrorCode, message: string): void {
    this.#session?.destroy(new ConnectionError(code, message));
  }

  /** The connection closed: leave the deadline lists, return the held bytes to the budget. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const h = this.#hygiene;
    if (this.#handshake !== undefined) h.handshakeDeadlines?.cancel(this.#handshake);
    if (this.#idle !== undefined) h.idleDeadlines?.cancel(this.#idle);
    if (this.#frame !== undefined) h.frameDeadlines?.cancel(this.#frame);
    h.heldBytes -= this.#held;
    this.#held = 0;
    h.release(this);
  }
}
