/**
 * Capped exponential backoff with full jitter, and a retry budget (token bucket). Pure: the
 * random source and the clock are parameters, so tests can pin them.
 */

/** How long to wait before a retry. */
export interface BackoffPolicy {
  /** Cap of the first delay, ms. */
  readonly initialDelay: number;
  /** Cap of any delay, ms. */
  readonly maxDelay: number;
  /** Growth of the cap per attempt. */
  readonly factor: number;
}

/**
 * "Full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): a delay drawn
 * uniformly from [0, min(maxDelay, initialDelay · factor^(n-1))) for retry number `n` (1-based).
 * Spreading retries over the whole interval is what breaks up synchronized waves.
 */
export function backoffDelay(p: BackoffPolicy, n: number, random: () => number = Math.random): number {
  const cap = Math.min(p.maxDelay, p.initialDelay * p.factor ** Math.max(0, n - 1));
  return Math.floor(random() * cap);
}

/** Settings of a {@link RetryBudget}. */
export interface RetryBudgetPolicy {
  /** Retries allowed per call made (0.1 = at most 10 % more traffic from retries). */
  readonly ratio: number;
  /** Retries always allowed per second, whatever the ratio (so a quiet client can still retry). */
  readonly minPerSecond: number;
}

/** Counters of a {@link RetryBudget}. */
export interface RetryBudgetCounts {
  /** Retries the budget allowed. */
  readonly allowed: number;
  /** Retries the budget refused. */
  readonly refused: number;
}

/**
 * A retry budget in the manner of gRPC retry throttling and Finagle's RetryBudget: each call
 * deposits `ratio` tokens (up to a cap of 10 s worth of floor plus 100 calls' worth), each
 * retry withdraws one; besides, `minPerSecond` retries per second come from a floor bucket
 * that refills continuously. When both are empty a retry is refused and the call fails with
 * its last error, so a struggling server is not stormed.
 */
export class RetryBudget {
  readonly #policy: RetryBudgetPolicy;
  readonly #now: () => number;
  #tokens = 0;
  #floor: number;
  #floorAt: number;
  #allowed = 0;
  #refused = 0;

  constructor(policy: RetryBudgetPolicy, now: () => number = Date.now) {
    this.#policy = policy;
    this.#now = now;
    this.#floor = policy.minPerSecond;
    this.#floorAt = now();
  }

  /** Records a call (a first attempt). */
  deposit(): void {
    const cap = Math.max(1, this.#policy.ratio * 100);
    this.#tokens = Math.min(cap, this.#tokens + this.#policy.ratio);
  }

  /** Takes one retry from the budget; false when none is left. */
  withdraw(): boolean {
    const t = this.#now();
    const mps = this.#policy.minPerSecond;
    this.#floor = Math.min(mps, this.#floor + ((t - this.#floorAt) / 1000) * mps);
    this.#floorAt = t;
    if (this.#floor >= 1) {
      this.#floor -= 1;
    } else if (this.#tokens >= 1) {
      this.#tokens -= 1;
    } else {
      this.#refused++;
      return false;
    }
    this.#allowed++;
    return true;
  }

  get counts(): RetryBudgetCounts {
    return { allowed: this.#allowed, refused: this.#refused };
  }
}
