/**
 * Login throttling across connections, per key (a user name, a client address).
 *
 * Before a password is checked the attempt waits until each of its keys lets it start, and
 * the answer — right or wrong — is sent as soon as the check is done. So the time to an answer
 * depends only on earlier attempts, never on whether this password is right: an attacker gains
 * nothing by giving up early, and a new connection does not reset anything.
 *
 * A key with `f` ≥ 1 remembered failures lets a check start only `delay(f)` ms after its
 * latest failure and its latest start (`delay(f)` = base × 2^(f−1), at most 16 × base). So once
 * a user has failed four times, at most one of its passwords is checked per 16 × base ms
 * (4 s with the default base of 250 ms), however many connections try. A key without failures
 * lets {@link LOGIN_BURST} checks run at the same time (a pool logging in) and spaces further
 * parallel ones by `delay(1)`. Failures are forgotten `window` ms after the latest one.
 */

/** Default cap on remembered keys; the least recently used are forgotten first. */
export const MAX_THROTTLE_ENTRIES = 10_000;
/** Checks of one key without failures that may run at the same time without spacing. */
export const LOGIN_BURST = 4;

interface Entry {
  failures: number;
  /** Checks started and not yet settled. */
  pending: number;
  lastFailure: number;
  lastStart: number;
}

/** Spacing of a key's checks after `failures` (≥ 1) failures. */
export type ThrottleDelay = (failures: number) => number;

/** Per-key login throttle (see the file comment). */
export class LoginThrottle {
  readonly #entries = new Map<string, Entry>();
  readonly #delay: ThrottleDelay;
  readonly #window: number;
  readonly #maxEntries: number;

  /** `delay(f)` spaces checks after f ≥ 1 failures; failures are forgotten after `windowMs` without one. */
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
    if (e !== undefined && e.pending === 0 && now - e.lastFailure > this.#window && now - e.lastStart > this.#delay(1)) {
      this.#entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Ms until a check on all of `keys` may start; 0 = now. */
  waitTime(keys: readonly string[], now: number): number {
    let until = now;
    for (const k of keys) {
      const e = this.#get(k, now);
      if (e === undefined) continue;
      if (e.failures > 0) until = Math.max(until, Math.max(e.lastFailure, e.lastStart) + this.#delay(e.failures));
      else if (e.pending >= LOGIN_BURST) until = Math.max(until, e.lastStart + this.#delay(1));
    }
    return until - now;
  }

  /** A check on `keys` starts now; it must be followed by one {@link settle}. */
  start(keys: readonly string[], now: number): void {
    for (const k of keys) {
      let e = this.#get(k, now);
      if (e === undefined) e = { failures: 0, pending: 0, lastFailure: -Infinity, lastStart: now };
      else this.#entries.delete(k); // re-inserted: Map order is least recently used first
      e.pending++;
      e.lastStart = now;
      this.#entries.set(k, e);
    }
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  /** Ends a started check: `ok` false records a failure on every key. */
  settle(keys: readonly string[], ok: boolean, now: number): void {
    for (const k of keys) {
      const e = this.#entries.get(k);
      if (e === undefined) {
        if (!ok) this.#entries.set(k, { failures: 1, pending: 0, lastFailure: now, lastStart: now }); // forgotten meanwhile
        continue;
      }
      e.pending = Math.max(0, e.pending - 1);
      if (!ok) {
        e.failures++;
        e.lastFailure = now;
      } else if (e.failures === 0 && e.pending === 0) {
        this.#entries.delete(k); // nothing to remember about a key that never failed
      }
    }
  }
}
