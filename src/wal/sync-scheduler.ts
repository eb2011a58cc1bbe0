/**
 * The one sync scheduler of a write-ahead log directory (so of a whole server): every queue log
 * with records waiting joins the next *sync cycle*, in which each of them writes its whole
 * pending batch and `fdatasync`s it, all logs in parallel. Records appended while a cycle runs
 * ride the next one. See docs/wal.md "Sync scheduler".
 */
import { performance } from 'node:perf_hooks';

/** A log that takes part in sync cycles. */
export interface SyncParticipant {
  /** Writes and syncs everything it has pending (settling its own waiters); never rejects. */
  flush(): Promise<void>;
  /** True when its pending batch holds a record someone waits for before an OFFER's OK (DATA). */
  readonly pendingData: boolean;
}

/** Longest wait for a DATA record to join a batch of ACKs only (see {@link SyncScheduler}). */
export const MAX_ACK_LINGER_MS = 2;

/**
 * Runs one sync cycle at a time. Before a cycle it waits one macrotask turn, so that every
 * append made by callers resumed from the previous cycle (however deep their promise chains)
 * joins it.
 *
 * *ACK linger* (group-commit delay, like PostgreSQL's `commit_delay`): when the waiting batch
 * holds ACK records only and the previous cycle carried DATA records (producers are active), the
 * cycle waits for the next DATA append, at most as long as the last cycle took (capped at
 * {@link MAX_ACK_LINGER_MS}). A consumer polling a queue one message at a time then shares each
 * sync with the producer's next offer (about one sync per message instead of two), and a poll's
 * answer waits at most one sync time longer. An ACK is still durable before its poll is answered.
 */
export class SyncScheduler {
  readonly #waiting = new Set<SyncParticipant>();
  #running: Promise<void> | undefined;
  #lastHadData = false;
  #lastCycleMs = 0;
  /** Set while lingering: called by {@link dataArrived} to end the wait early. */
  #wake: (() => void) | undefined;
  readonly #linger: boolean;
  /** Cycles run (each is one `fdatasync` per participating log). */
  cycles = 0;

  constructor(opts: { readonly linger?: boolean } = {}) {
    this.#linger = opts.linger ?? true;
  }

  /** Puts `p` into the next cycle (once, however often it is called before that cycle). */
  request(p: SyncParticipant): void {
    this.#waiting.add(p);
    if (p.pendingData) this.#wake?.();
    // Not awaited: each participant settles its own waiters; #loop never rejects.
    this.#running ??= this.#loop();
  }

  /** Settles once no cycle runs and none is requested. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async #loop(): Promise<void> {
    try {
      while (this.#waiting.size > 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.#linger && this.#lastHadData && ![...this.#waiting].some((p) => p.pendingData)) await this.#lingerForData();
        const batch = [...this.#waiting];
        this.#waiting.clear();
        this.#lastHadData = batch.some((p) => p.pendingData);
        const t0 = performance.now();
        await Promise.all(batch.map((p) => p.flush()));
        this.#lastCycleMs = performance.now() - t0;
        this.cycles++;
      }
    } finally {
      this.#running = undefined;
    }
  }

  #lingerForData(): Promise<void> {
    const ms = Math.min(this.#lastCycleMs, MAX_ACK_LINGER_MS);
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
