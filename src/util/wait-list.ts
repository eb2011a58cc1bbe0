/** A node of a {@link WaitList}; keep it to remove the entry in O(1). */
export interface WaitNode<T> {
  readonly value: T;
  prev: WaitNode<T> | undefined;
  next: WaitNode<T> | undefined;
  linked: boolean;
}

/**
 * A FIFO of waiters as a doubly linked list: append, take the oldest, and remove any entry
 * (a waiter whose timer fired or whose signal aborted) in O(1), so abandoned waiters never
 * pile up behind live ones.
 */
export class WaitList<T> {
  #head: WaitNode<T> | undefined;
  #tail: WaitNode<T> | undefined;
  #length = 0;

  /** Number of waiters. */
  get length(): number {
    return this.#length;
  }

  /** Appends a waiter; returns its node for {@link remove}. */
  push(value: T): WaitNode<T> {
    const node: WaitNode<T> = { value, prev: undefined, next: undefined, linked: false };
    this.append(node);
    return node;
  }

  /**
   * Appends a node the caller owns and may append again after it was removed (no allocation
   * per append); a node still linked is moved to the end.
   */
  append(node: WaitNode<T>): void {
    if (node.linked) this.remove(node);
    node.linked = true;
    node.prev = this.#tail;
    node.next = undefined;
    if (this.#tail === undefined) this.#head = node;
    else this.#tail.next = node;
    this.#tail = node;
    this.#length++;
  }

  /** The oldest waiter, not removed. */
  peek(): T | undefined {
    return this.#head?.value;
  }

  /** The oldest node, not removed. */
  first(): WaitNode<T> | undefined {
    return this.#head;
  }

  /** Removes and returns the oldest waiter. */
  shift(): T | undefined {
    const node = this.#head;
    if (node === undefined) return undefined;
    this.remove(node);
    return node.value;
  }

  /** Removes a waiter; a node already removed is ignored. */
  remove(node: WaitNode<T>): void {
    if (!node.linked) return;
    node.linked = false;
    if (node.prev === undefined) this.#head = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) this.#tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = undefined;
    node.next = undefined;
    this.#length--;
  }

  /** Removes and returns the waiters for which `pred` holds, oldest first. */
  removeWhere(pred: (value: T) => boolean): T[] {
    const out: T[] = [];
    for (let n = this.#head; n !== undefined; ) {
      const next = n.next;
      if (pred(n.value)) {
        this.remove(n);
        out.push(n.value);
      }
      n = next;
    }
    return out;
  }

  /** Removes and returns every waiter, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    for (let v = this.shift(); v !== undefined; v = this.shift()) out.push(v);
    return out;
  }
}
