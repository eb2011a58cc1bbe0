/**
 * Login throttling across connections, per key (a user name, a client address).
 *
 * Every login attempt first reserves a time slot on each of its keys and waits for the latest
 * of them; only then is the password checked, and the answer — right or wrong — is sent at
 * once. So the time to an answer depends only on earlier failures, never on whether this
 * password is right: an attacker gains nothing by giving up early, and a new connection does
 * not reset anything. After the `f`-th failure of a key its slots are spaced by
 * `delay(f)` = base × 2^(f−1), at most 16 × base; so, once a key has failed, it gets at most one
 * verified attempt per 16 × base ms in the long run (4 s with the default 250 ms base).
 * Attempts that would wait longer than `maxWait` are refused without checking the password.
 */

/** Default cap on remembered keys; the least recently failed are forgotten first. */
export const MAX_THROTTLE_ENTRIES = 10_000;

interface Entry {
  failures: number;
  /** Earliest time (ms) of the next attempt's slot. */
  next: number;
  lastFailure: number;
}

/** Spacing of a key's attempts after `failures` failures. */
export type ThrottleDelay = (failures: number) => number;

/** Per-key login throttle (see the file comment). */
export class LoginThrottle {
  readonly #entries = new Map<string, Entry>();
  readonly #delay: ThrottleDelay;
  readonly #window: number;
  readonly #maxEntries: number;

  /** `delay(f)` spaces attempts after f ≥ 1 failures; failures are forgotten after `windowMs` without one. */
  constructor(delay: ThrottleDelay, windowMs: number, maxEntries = MAX_THROTTLE_ENTRIES) {
    this.#delay = delay;
    this.#window = windowMs;
    this.#maxEntries = maxEntries;
  }

  /** Number of remembered keys. */
  get size(): number {
    return this.#entries.size;
  }

  #get(key: string, now: number): Entry | undefined {
    const e = this.#entries.get(key);
    if (e !== undefined && now - e.lastFailure > this.#window && e.next <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return e;
  }

  /**
   * Reserves the next slot on every key: returns the ms to wait before checking the password,
   * or undefined when that wait would exceed `maxWait` (the attempt is refused unchecked).
   */
  reserve(keys: readonly string[], now: number, maxWait: number): number | undefined {
    let slot = now;
    for (const k of keys) slot = Math.max(slot, this.#get(k, now)?.next ?? now);
    if (slot - now > maxWait) return undefined;
    for (const k of keys) {
      const e = this.#get(k, now);
      if (e !== undefined && e.failures > 0) e.next = Math.max(e.next, slot + this.#delay(e.failures));
    }
    return slot - now;
  }

  /** Records a failed attempt on every key. */
  fail(keys: readonly string[], now: number): void {
    for (const k of keys) {
      let e = this.#get(k, now);
      if (e === undefined) e = { failures: 0, next: now, lastFailure: now };
      else this.#entries.delete(k); // re-inserted below: Map order is least recently failed first
      e.failures++;
      e.lastFailure = now;
      e.next = Math.max(e.next, now + this.#delay(e.failures));
      this.#entries.set(k, e);
    }
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }
}
