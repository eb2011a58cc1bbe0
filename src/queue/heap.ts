/**
 * A binary min-heap ordered by a numeric key. Used for messages that come back to a queue
 * (ordered by their place in the queue) and for delayed messages (ordered by due time).
 */
export class MinHeap<T> {
  readonly #key: (v: T) => number;
  #items: T[] = [];

  constructor(key: (v: T) => number) {
    this.#key = key;
  }

  /** Number of elements. */
  get size(): number {
    return this.#items.length;
  }

  /** The smallest element without removing it. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds an element; O(log n). */
  push(v: T): void {
    const a = this.#items;
    a.push(v);
    let i = a.length - 1;
    const k = this.#key(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.#key(a[p]!) <= k) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = v;
  }

  /** Removes and returns the smallest element; O(log n). */
  pop(): T | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    const n = a.length;
    const k = this.#key(last);
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.#key(a[r]!) < this.#key(a[l]!) ? r : l;
      if (this.#key(a[c]!) >= k) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }

  /** Removes every element for which `drop` returns true (O(n)); returns them. */
  removeWhere(drop: (v: T) => boolean): T[] {
    const kept: T[] = [];
    const gone: T[] = [];
    for (const v of this.#items) (drop(v) ? gone : kept).push(v);
    if (gone.length === 0) return gone;
    this.#items = [];
    for (const v of kept) this.push(v);
    return gone;
  }

  /** Removes everything; returns the elements in no particular order. */
  clear(): T[] {
    const all = this.#items;
    this.#items = [];
    return all;
  }

  /** Iterates in no particular order. */
  [Symbol.iterator](): IterableIterator<T> {
    return this.#items[Symbol.iterator]();
  }
}
