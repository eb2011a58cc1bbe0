import { performance } from 'node:perf_hooks';

/** One owner's place in a {@link DeadlineList}; kept by the owner and reused across arms. */
export class DeadlineLink<T> {
  readonly owner: T;
  /** `performance.now()` time at which the deadline passes (valid while linked). */
  at = 0;
  prev: DeadlineLink<T> | undefined;
  next: DeadlineLink<T> | undefined;
  linked = false;

  constructor(owner: T) {
    this.owner = owner;
  }
}

/**
 * Deadlines of one fixed duration shared by many owners (a server's handshake, idle or frame
 * timeout), behind ONE timer instead of one per owner. Since every deadline is `armed + ms`,
 * appending at the tail keeps the list sorted; arm, re-arm and cancel are O(1) (a doubly linked
 * list), and the timer is set for the head only. When it fires, every due owner is handed to
 * `onDue` (which may re-arm it); a head cancelled meanwhile only makes the timer fire early and
 * be set again. The timer does not keep the process alive.
 */
export class DeadlineList<T> {
  readonly ms: number;
  readonly #onDue: (owner: T) => void;
  #head: DeadlineLink<T> | undefined;
  #tail: DeadlineLink<T> | undefined;
  #length = 0;
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
    return this.#length;
  }

  /** (Re)starts the owner's deadline: it passes `ms` from now. */
  arm(link: DeadlineLink<T>, now = performance.now()): void {
    if (link.linked) this.#unlink(link);
    link.at = now + this.ms;
    link.linked = true;
    link.prev = this.#tail;
    link.next = undefined;
    if (this.#tail === undefined) this.#head = link;
    else this.#tail.next = link;
    this.#tail = link;
    this.#length++;
    if (this.#timer === undefined && !this.#firing) this.#schedule(link.at, now);
  }

  /** Removes the owner's deadline (no-op when it has none). */
  cancel(link: DeadlineLink<T>): void {
    if (!link.linked) return;
    this.#unlink(link);
    if (this.#length === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Stops the timer and forgets every deadline. */
  clear(): void {
    while (this.#head !== undefined) this.#unlink(this.#head);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #unlink(link: DeadlineLink<T>): void {
    link.linked = false;
    if (link.prev === undefined) this.#head = link.next;
    else link.prev.next = link.next;
    if (link.next === undefined) this.#tail = link.prev;
    else link.next.prev = link.prev;
    link.prev = undefined;
    link.next = undefined;
    this.#length--;
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
      for (let h = this.#head; h !== undefined && h.at <= now; h = this.#head) {
        this.#unlink(h);
        this.#onDue(h.owner);
      }
    } finally {
      this.#firing = false;
      const head = this.#head;
      if (head !== undefined && this.#timer === undefined) this.#schedule(head.at, now);
    }
  };

  /** For tests: when the shared timer fires next, or undefined when none is set. */
  get timerAt(): number | undefined {
    return this.#timer === undefined ? undefined : this.#timerAt;
  }
}
