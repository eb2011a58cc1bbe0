/**
 * Runs at most `concurrency` async jobs at once, the rest in FIFO order (after websockets/ws
 * `lib/limiter.js`). zlib's async API runs on the libuv thread pool (4 threads by default),
 * which it shares with fs, dns, PBKDF2 and key generation: unbounded zlib jobs from many
 * connections would starve those and pile up memory (ws issue #1202).
 */
export class Limiter {
  readonly #concurrency: number;
  readonly #queue: Array<() => void> = [];
  #running = 0;

  /** @param concurrency - jobs allowed to run at the same time (at least 1). */
  constructor(concurrency: number) {
    this.#concurrency = Math.max(1, Math.floor(concurrency));
  }

  /** Jobs running now. */
  get running(): number {
    return this.#running;
  }

  /** Jobs waiting for a slot. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Runs `job` when a slot is free and settles with its result. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#concurrency) {
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await job();
    } finally {
      // Hand the slot straight to the next job, or give it back.
      const next = this.#queue.shift();
      if (next !== undefined) next();
      else this.#running--;
    }
  }
}
