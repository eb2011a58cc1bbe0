/**
 * Client retries (seed "Timeouts, Retries, and Idempotency" §2): which calls may be repeated,
 * which failures are worth repeating, and the validated retry and reconnect settings.
 */
import { ArgumentError, ErrorCode, isIpcError } from '../errors.js';
import type { Message } from '../message/message.js';
import type { BackoffPolicy, RetryBudgetPolicy } from '../util/backoff.js';

/** A class of failure a retry may repair. */
export type RetryableFailure = 'connection' | 'timeout';

/** Retry settings (option `retry` of `connect`, and per call). */
export interface RetryOptions {
  /** Attempts in all, the first included (1 = no retry). Defaults to {@link DEFAULT_RETRY_ATTEMPTS} (3). */
  readonly attempts: number;
  /** Cap of the first backoff delay, ms (the delay is drawn from [0, cap): full jitter). Defaults to 100. */
  readonly initialDelay: number;
  /** Cap of every backoff delay, ms. Defaults to 2000. */
  readonly maxDelay: number;
  /** Growth of the cap per retry. Defaults to 2. */
  readonly factor: number;
  /**
   * Failures that are retried: `connection` (the connection was lost or could not be made
   * before the answer came), `timeout` (no answer within the response timeout). Error answers
   * (HANDLER_ERROR, BAD_REQUEST, QUEUE_FULL …) are answers and never retried. Defaults to both.
   */
  readonly on: readonly RetryableFailure[];
  /**
   * Also repeat writes: REQUEST (`send`), OFFER and PUBLISH. **Only safe against a server with
   * `idempotencyWindow` on**: a server without it executes a repeated write again (the seed's
   * "Pay John $100" paid twice). The client gives every such call a unique request id when the
   * caller set none. Defaults to false (only reads are repeated).
   */
  readonly writes: boolean;
}

/** The client-wide retry budget (part of `retry` on `connect` only). */
export type RetryBudgetOptions = RetryBudgetPolicy;

/** `retry` on `connect`: retry settings plus the client's budget. */
export interface ClientRetryOptions extends RetryOptions {
  /**
   * Retries of the whole client are limited to `ratio` per call plus `minPerSecond`; `false`
   * = unlimited (not recommended). Defaults to `{ ratio: 0.1, minPerSecond: 10 }`.
   */
  readonly budget: Readonly<Partial<RetryBudgetOptions>> | false;
}

/** Default attempts when retries are on. */
export const DEFAULT_RETRY_ATTEMPTS = 3;
/** Default retry settings (used when `retry: true` or a number is given). */
export const DEFAULT_RETRY: RetryOptions = Object.freeze({
  attempts: DEFAULT_RETRY_ATTEMPTS,
  initialDelay: 100,
  maxDelay: 2000,
  factor: 2,
  on: Object.freeze(['connection', 'timeout'] as const),
  writes: false,
});
/** Default retry budget: retries at most 10 % of calls, plus 10 per second. */
export const DEFAULT_RETRY_BUDGET: RetryBudgetPolicy = Object.freeze({ ratio: 0.1, minPerSecond: 10 });

/** What `retry` accepts: settings, `true` (defaults), a number of attempts, or `false` (off). */
export type RetryValue = Readonly<Partial<RetryOptions>> | boolean | number;
/** What `retry` on `connect` accepts. */
export type ClientRetryValue = Readonly<Partial<ClientRetryOptions>> | boolean | number;

/** Validated retry settings; `attempts` 1 means off. */
export interface RetrySettings extends RetryOptions, BackoffPolicy {}

function bad(msg: string): never {
  throw new ArgumentError(ErrorCode.INVALID_OPTION, msg);
}

function num(v: unknown, name: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || Number.isNaN(v) || v < min) bad(`${name} must be a number ≥ ${min}`);
  return v;
}

/** The settings for retries off. */
export const NO_RETRY: RetrySettings = Object.freeze({ ...DEFAULT_RETRY, attempts: 1 });

/** Validates a `retry` value over `base` (the client's settings for a per-call value). */
export function resolveRetry(v: unknown, base: RetrySettings, what = 'retry'): RetrySettings {
  if (v === undefined) return base;
  if (v === false) return NO_RETRY;
  const from = base.attempts > 1 ? base : DEFAULT_RETRY;
  if (v === true) return { ...from };
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) bad(`${what} as a number is the count of retries, a non-negative integer`);
    return { ...from, attempts: v + 1 };
  }
  if (v === null || typeof v !== 'object') bad(`${what} must be an object, a boolean or a number of retries`);
  const o = v as Partial<ClientRetryOptions>;
  const attempts = num(o.attempts, `${what}.attempts`, from.attempts, 1);
  if (!Number.isSafeInteger(attempts)) bad(`${what}.attempts must be an integer`);
  const on: unknown = o.on ?? from.on;
  if (!Array.isArray(on) || on.some((x) => x !== 'connection' && x !== 'timeout')) bad(`${what}.on lists 'connection' and/or 'timeout'`);
  if (o.writes !== undefined && typeof o.writes !== 'boolean') bad(`${what}.writes must be a boolean`);
  const initialDelay = num(o.initialDelay, `${what}.initialDelay`, from.initialDelay, 0);
  const maxDelay = num(o.maxDelay, `${what}.maxDelay`, Math.max(from.maxDelay, initialDelay), 0);
  if (maxDelay < initialDelay) bad(`${what}.maxDelay must not be below initialDelay`);
  return { attempts, initialDelay, maxDelay, factor: num(o.factor, `${what}.factor`, from.factor, 1), on: [...(on as RetryableFailure[])], writes: o.writes ?? from.writes };
}

/** Validates the budget part of `retry` on `connect`; undefined = unlimited. */
export function resolveBudget(v: unknown): RetryBudgetPolicy | undefined {
  if (v === null || typeof v !== 'object') return DEFAULT_RETRY_BUDGET;
  const b = (v as Partial<ClientRetryOptions>).budget;
  if (b === undefined) return DEFAULT_RETRY_BUDGET;
  if (b === false) return undefined;
  if (b === null || typeof b !== 'object') bad('retry.budget must be an object or false');
  return {
    ratio: num(b.ratio, 'retry.budget.ratio', DEFAULT_RETRY_BUDGET.ratio, 0),
    minPerSecond: num(b.minPerSecond, 'retry.budget.minPerSecond', DEFAULT_RETRY_BUDGET.minPerSecond, 0),
  };
}

/** Server topics that only read. */
const READ_TOPICS: ReadonlySet<string> = new Set(['ipc-server/status', 'ipc-server/thread-pool-statistics']);

/**
 * How safe a request is to send again when its answer did not come:
 * - `read`: no effect on the server (status requests, queue status, heartbeats, SUBSCRIBE and
 *   UNSUBSCRIBE, which set the same state again);
 * - `write`: REQUEST, OFFER, PUBLISH: safe only when the server de-duplicates by request id;
 * - `unsafe`: everything else. POLL is here: a poll whose answer was lost may have taken a
 *   message, which a repeat cannot bring back (at-most-once); repeating it after a timeout
 *   would leave the first poll waiting on the server, where it takes and loses the next
 *   message. CREATE_TEMP_QUEUE and REMOVE_QUEUE are here too.
 */
export function repeatability(msg: Message): 'read' | 'write' | 'unsafe' {
  switch (msg.type) {
    case 'STATUS_QUEUE':
    case 'HEARTBEAT':
    case 'TEST':
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE':
    case 'CREATE_QUEUE': // an existing name is a no-op
      return 'read';
    case 'REQUEST':
      if (msg.oneway) return 'unsafe';
      return READ_TOPICS.has(msg.topic) ? 'read' : 'write';
    case 'OFFER':
    case 'PUBLISH':
      return 'write';
    default:
      return 'unsafe';
  }
}

/** The failure class of a rejected attempt, or undefined when no retry can help (the caller's own signal is checked apart). */
export function failureClass(err: unknown): RetryableFailure | undefined {
  if (isIpcError(err, ErrorCode.TIMEOUT)) return 'timeout';
  if (isIpcError(err, ErrorCode.CONNECTION_CLOSED) || isIpcError(err, ErrorCode.CONNECT_FAILED) || isIpcError(err, ErrorCode.SOCKET_ERROR)) {
    return 'connection';
  }
  return undefined;
}
