import { ArgumentError, ErrorCode } from '../errors.js';
import { parseSize, type SizeValue } from '../util/units.js';
import type { IdempotencySettings } from './idempotency.js';

/** Resilience options of a server (docs/resilience.md). */
export interface ResilienceServerOptions {
  /**
   * De-duplication window, ms: a REQUEST, OFFER or PUBLISH with a request id already seen from
   * the same principal and destination within it is not executed again; the original answer
   * is returned. 0 = off (Venice clients often reuse request id "1"). Defaults to 0.
   */
  readonly idempotencyWindow?: number;
  /** Answers the de-duplication remembers at most (the oldest go first). Defaults to {@link DEFAULT_IDEMPOTENCY_MAX_ENTRIES} (100000). */
  readonly idempotencyMaxEntries?: number;
  /** Bytes of answers the de-duplication remembers at most (number or unit string). Defaults to 64 MB. */
  readonly idempotencyMaxBytes?: SizeValue;
  /**
   * Deadline of a REQUEST handler, ms: when it passes, the handler's `signal` aborts and the
   * caller gets a HANDLER_ERROR answer at once (the handler's late result is dropped). 0 = no
   * deadline (as Java). Defaults to 0.
   */
  readonly handlerTimeout?: number;
}

/** Default {@link ResilienceServerOptions.idempotencyMaxEntries}. */
export const DEFAULT_IDEMPOTENCY_MAX_ENTRIES = 100_000;
/** Default {@link ResilienceServerOptions.idempotencyMaxBytes}: 64 MiB. */
export const DEFAULT_IDEMPOTENCY_MAX_BYTES = 64 * 1024 * 1024;
/** Longest delay setTimeout honours, ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Validated resilience settings. */
export interface ResilienceSettings {
  /** undefined when `idempotencyWindow` is 0. */
  readonly idempotency: IdempotencySettings | undefined;
  /** 0 = off. */
  readonly handlerTimeout: number;
}

function opt(msg: string): never {
  throw new ArgumentError(ErrorCode.INVALID_OPTION, msg);
}

function ms(v: unknown, name: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_TIMER_MS) opt(`${name} must be a number of ms from 0 to ${MAX_TIMER_MS}`);
  return v;
}

/** Validates the resilience options once. */
export function resolveResilienceSettings(o: Readonly<ResilienceServerOptions>): ResilienceSettings {
  const window = ms(o.idempotencyWindow, 'idempotencyWindow');
  const maxEntries = o.idempotencyMaxEntries ?? DEFAULT_IDEMPOTENCY_MAX_ENTRIES;
  if (typeof maxEntries !== 'number' || !Number.isSafeInteger(maxEntries) || maxEntries < 1) opt('idempotencyMaxEntries must be a positive integer');
  const maxBytes = o.idempotencyMaxBytes === undefined ? DEFAULT_IDEMPOTENCY_MAX_BYTES : parseSize(o.idempotencyMaxBytes, 'idempotencyMaxBytes');
  if (maxBytes < 1) opt('idempotencyMaxBytes must be a positive number of bytes');
  return {
    idempotency: window === 0 ? undefined : { window, maxEntries, maxBytes },
    handlerTimeout: ms(o.handlerTimeout, 'handlerTimeout'),
  };
}
