import { performance } from 'node:perf_hooks';
import { WaitList, type WaitNode } from './wait-list.js';

/** One owner's place in a {@link DeadlineList}; kept by the owner and reused across arms. */
export class DeadlineLink<T> implements WaitNode<T> {
  readonly value: T;
  /** `performance.now()` time at which the deadline passes (valid while linked). */
  at = 0;
  prev: WaitNode<T> | undefined;
  next: WaitNode<T> | undefined;
  linked = false;

  constructor(owner: T) {
    this.value = owner;
  }
}

/**
 * Deadlines of one fixed duration shared by many owners (a server's handshake, idle or frame
 * timeout), behind ONE timer instead of one per owner. Since every deadline is `armed + ms`,
 * appending at the tail keeps the list sorted; arm, re-arm and cancel are O(1) (a
 * {@link WaitList} of links the owners keep), and the timer is set for the head only. When it
 * fires, every due owner is handed to `onDue` (which may re-arm it); a head cancelled meanwhile only makes the timer fire early and
 * be set again. The timer does not keep the process alive.
 */
export class DeadlineList<T> {
  readonly ms: number;
  readonly #onDue: (owner: T) => void;
  /** Armed links in arm order, which is deadline order (one duration for all). */
  readonly #links = new WaitList<T>();
  #timer: NodeJS.Timeout | undefined;
  /** When the timer fires (`performance.now()` time), valid while it is set. */
  #timerAt = 0;
  /** Inside the timer callback: arms made by `onDue` do not set the timer (it is set after). */
  #firing = false;

  constructor(ms: number, onDue: (owner: T) => void) {
    this.ms = ms;
    this.#onDue = onDue;
  }

  /** Owners with a deadline. */
  get length(): number {
    return this.#links.length;
  }

  /** (Re)starts the owner's deadline: it passes `ms` from now. */
  arm(link: DeadlineLink<T>, now = performance.now()): void {
    link.at = now + this.ms;
    this.#links.append(link); // to the end: the latest deadline
    if (this.#timer === undefined && !this.#firing) this.#schedule(link.at, now);
  }

  /** Removes the owner's deadline (no-op when it has none). */
  cancel(link: DeadlineLink<T>): void {
    if (!link.linked) return;
    this.#links.remove(link);
    if (this.#links.length === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Stops the timer and forgets every deadline. */
  clear(): void {
    this.#links.drain();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The link with the earliest deadline. */
  #head(): DeadlineLink<T> | undefined {
    return this.#links.first() as DeadlineLink<T> | undefined;
  }

  #schedule(at: number, now: number): void {
    this.#timerAt = at;
    // +1: setTimeout may fire a fraction of a millisecond before `at`; firing early only re-arms.
    this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(at - now) + 1)).unref();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    this.#firing = true;
    try {
      // Owners re-armed by onDue go to the tail with a later deadline, so this ends.
      for (let h = this.#head(); h !== undefined && h.at <= now; h = this.#head()) {
        this.#links.remove(h);
        this.#onDue(h.value);
      }
    } finally {
      this.#firing = false;
      const head = this.#head();
      if (head !== undefined && this.#timer === undefined) this.#schedule(head.at, now);
    }
  };

  /** For tests: when the shared timer fires next, or undefined when none is set. */
  get timerAt(): number | undefined {
    return this.#timer === undefined ? undefined : this.#timerAt;
  }
}
