/**
 * The client's status events (`client.status()`), in the manner of nats.js `status()`: an
 * AsyncIterable per caller, each with a bounded buffer, ending when the client closes.
 */
import { deferred, type Deferred } from '../util/deferred.js';

/** One status event of a client. */
export type ClientStatusEvent =
  /** The connection was lost; `error` says why. */
  | { readonly type: 'disconnect'; readonly endpoint: string; readonly error: Error }
  /** A reconnect attempt starts after `delay` ms. */
  | { readonly type: 'reconnecting'; readonly endpoint: string; readonly attempt: number; readonly delay: number }
  /**
   * Connected again (handshake redone): `resubscribed` subscriptions renewed, `resent` waiting
   * calls sent on the new connection, `rejected` calls in flight at the loss that were not safe
   * to repeat (failed with CONNECTION_CLOSED), after `downtime` ms.
   */
  | {
      readonly type: 'reconnect';
      readonly endpoint: string;
      readonly attempt: number;
      readonly downtime: number;
      readonly resubscribed: number;
      readonly resent: number;
      readonly rejected: number;
    }
  /** Temporary queues of the lost connection: the server removed them with it (their messages are gone). */
  | { readonly type: 'temporary-queues-lost'; readonly queues: readonly string[] }
  /** A reconnect attempt or a re-subscription failed; when `final`, the client gave up and closed. */
  | { readonly type: 'error'; readonly error: Error; readonly final: boolean }
  /** The server answered no heartbeat/ping in time: the connection is dropped as dead. */
  | { readonly type: 'heartbeat-timeout'; readonly endpoint: string }
  /** A subscription started dropping pushes because its consumer is behind. */
  | { readonly type: 'slow-consumer'; readonly topics: readonly string[] };

/** Events buffered per `status()` iterator; older ones are dropped beyond it. */
export const STATUS_BUFFER = 256;

class StatusStream implements AsyncIterableIterator<ClientStatusEvent> {
  readonly #hub: StatusHub;
  #buf: ClientStatusEvent[] = [];
  #waiter: Deferred<void> | undefined;
  #done = false;
  /** Events dropped because this iterator was behind by {@link STATUS_BUFFER}. */
  dropped = 0;

  constructor(hub: StatusHub) {
    this.#hub = hub;
  }

  put(e: ClientStatusEvent): void {
    if (this.#buf.length >= STATUS_BUFFER) {
      this.#buf.shift();
      this.dropped++;
    }
    this.#buf.push(e);
    this.#wake();
  }

  end(): void {
    this.#done = true;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.resolve();
  }

  async next(): Promise<IteratorResult<ClientStatusEvent>> {
    for (;;) {
      const e = this.#buf.shift();
      if (e !== undefined) return { value: e, done: false };
      if (this.#done) return { value: undefined, done: true };
      this.#waiter = deferred<void>();
      await this.#waiter.promise;
    }
  }

  return(): Promise<IteratorResult<ClientStatusEvent>> {
    this.#done = true;
    this.#buf = [];
    this.#hub.remove(this);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Fans status events out to every open `status()` iterator. */
export class StatusHub {
  readonly #streams = new Set<StatusStream>();
  #ended = false;

  /** A new iterator receiving the events from now on. */
  stream(): AsyncIterableIterator<ClientStatusEvent> {
    const s = new StatusStream(this);
    if (this.#ended) s.end();
    else this.#streams.add(s);
    return s;
  }

  emit(e: ClientStatusEvent): void {
    for (const s of this.#streams) s.put(e);
  }

  remove(s: StatusStream): void {
    this.#streams.delete(s);
  }

  /** Ends every iterator (the client closed). */
  end(): void {
    this.#ended = true;
    for (const s of this.#streams) s.end();
    this.#streams.clear();
  }
}
