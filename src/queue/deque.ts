/** Slots a new deque starts with; it grows by doubling as content arrives. */
export const INITIAL_DEQUE_SLOTS = 16;

/**
 * A growable ring buffer (double-ended queue). Memory follows the content, never a declared
 * capacity: a queue that may hold 2^31-1 messages starts with {@link INITIAL_DEQUE_SLOTS}
 * slots, doubles when full and halves when a quarter full. `push`, `shift` and `unshift` are
 * amortised O(1).
 */
export class Deque<T> {
  #slots: Array<T | undefined> = new Array<T | undefined>(INITIAL_DEQUE_SLOTS);
  #head = 0;
  #length = 0;

  /** Number of elements. */
  get length(): number {
    return this.#length;
  }

  /** Number of allocated slots (for tests and statistics). */
  get allocatedSlots(): number {
    return this.#slots.length;
  }

  /** Appends at the tail. */
  push(value: T): void {
    if (this.#length === this.#slots.length) this.#resize(this.#slots.length * 2);
    this.#slots[(this.#head + this.#length) % this.#slots.length] = value;
    this.#length++;
  }

  /** Inserts at the head. */
  unshift(value: T): void {
    if (this.#length === this.#slots.length) this.#resize(this.#slots.length * 2);
    this.#head = (this.#head - 1 + this.#slots.length) % this.#slots.length;
    this.#slots[this.#head] = value;
    this.#length++;
  }

  /** Removes and returns the head, or undefined when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const value = this.#slots[this.#head];
    this.#slots[this.#head] = undefined; // release the reference for the GC
    this.#head = (this.#head + 1) % this.#slots.length;
    this.#length--;
    const n = this.#slots.length;
    if (n > INITIAL_DEQUE_SLOTS && this.#length < n / 4) this.#resize(n / 2);
    return value;
  }

  /** The head without removing it. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#slots[this.#head];
  }

  /** Removes everything and releases the storage. */
  clear(): void {
    this.#slots = new Array<T | undefined>(INITIAL_DEQUE_SLOTS);
    this.#head = 0;
    this.#length = 0;
  }

  /** Iterates from head to tail. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#length; i++) yield this.#slots[(this.#head + i) % this.#slots.length] as T;
  }

  #resize(size: number): void {
    const next = new Array<T | undefined>(size);
    for (let i = 0; i < this.#length; i++) next[i] = this.#slots[(this.#head + i) % this.#slots.length];
    this.#slots = next;
    this.#head = 0;
  }
}
