/**
 * Heartbeats and the client-side ping: HEARTBEAT requests on a timer; a connection whose peer
 * answers none of them in time (and sent nothing else meanwhile) is reported dead.
 */
import { ErrorCode, TimeoutError } from '../errors.js';
import { messageFromFields, type Message } from '../message/message.js';

/** What the pinger needs from the client, for one connection. */
export interface PingTarget {
  /** True while that connection is the client's open, current one. */
  live(): boolean;
  /** Messages received on it so far: a counter, which costs less per message than reading a clock. */
  inbound(): number;
  /** Sends a HEARTBEAT that must be answered within `timeout` ms. */
  heartbeat(msg: Message, timeout: number): Promise<unknown>;
  /** The peer is silent: drop the connection with `err`. */
  dead(err: Error): void;
}

/** Margin added to the server's heartbeat interval to form the heartbeat's response timeout, ms. */
const HEARTBEAT_MARGIN = 5000;

/** The heartbeat/ping timers of a client's current connection. */
export class Pinger {
  #timers: NodeJS.Timeout[] = [];

  /**
   * Starts the timers: a heartbeat every `serverSeconds` (0 = none; as Java, whatever the
   * traffic), and a ping every `pingMs` of silence (0 = none), each answered within its period.
   */
  start(target: PingTarget, serverSeconds: number, pingMs: number): void {
    this.stop();
    if (serverSeconds > 0) {
      const hb = serverSeconds * 1000;
      this.#timers.push(setInterval(() => ping(target, HEARTBEAT_MARGIN + hb), hb));
    }
    if (pingMs > 0) {
      let seen = target.inbound();
      this.#timers.push(
        setInterval(() => {
          // Something arrived within the last period: the connection is alive, no ping needed.
          const now = target.inbound();
          if (now !== seen) {
            seen = now;
            return;
          }
          ping(target, pingMs);
        }, pingMs),
      );
    }
    for (const t of this.#timers) t.unref();
  }

  stop(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
  }
}

/** Sends a HEARTBEAT; no answer in `timeout` ms, and nothing else received meanwhile, is a dead peer. */
function ping(target: PingTarget, timeout: number): void {
  if (!target.live()) return;
  const before = target.inbound();
  const hb = messageFromFields({ type: 'HEARTBEAT', topics: ['heartbeat'], mimetype: 'text/plain', charset: 'UTF-8' });
  target.heartbeat(hb, timeout).catch((err: unknown) => {
    // Only a silent server counts: answers to other requests prove the connection is alive.
    if (target.live() && target.inbound() === before) {
      target.dead(new TimeoutError(ErrorCode.TIMEOUT, 'The server did not answer the heartbeat', { cause: err }));
    }
  });
}
