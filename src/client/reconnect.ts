/**
 * Reconnect (option `reconnect` of `connect`): the settings, and the loop that tries the
 * endpoints in turn with capped, fully jittered delays until one connects or the attempts
 * run out. What a new connection needs (handshake, re-subscribe, re-send) is the client's.
 */
import { ArgumentError, ErrorCode } from '../errors.js';
import { formatEndpoint, parseUri, type Endpoint } from '../transport/endpoint.js';
import { pause } from '../util/abort.js';
import { backoffDelay } from '../util/backoff.js';
import type { ClientStatusEvent } from './status.js';

/** Reconnect settings. */
export interface ReconnectOptions {
  /**
   * Consecutive failed attempts before the client gives up and closes (`closed` then
   * resolves with the error); `Infinity` = never give up. Defaults to {@link DEFAULT_RECONNECT_ATTEMPTS} (10).
   */
  readonly attempts: number;
  /** Cap of the first delay before an attempt, ms (full jitter: the delay is drawn from [0, cap)). Defaults to 100. */
  readonly initialDelay: number;
  /** Cap of every delay, ms. Defaults to 2000. */
  readonly maxDelay: number;
  /**
   * More server URIs, tried in turn after the one given to `connect` (for example a standby).
   * Defaults to none.
   */
  readonly endpoints: readonly string[];
}

/** Default consecutive reconnect attempts (nats.js `maxReconnectAttempts`). */
export const DEFAULT_RECONNECT_ATTEMPTS = 10;
/** Default reconnect settings. */
export const DEFAULT_RECONNECT: ReconnectOptions = Object.freeze({
  attempts: DEFAULT_RECONNECT_ATTEMPTS,
  initialDelay: 100,
  maxDelay: 2000,
  endpoints: Object.freeze([]) as readonly string[],
});

/** What `reconnect` accepts: settings, `true` (defaults), a number of attempts, or `false`. */
export type ReconnectValue = Readonly<Partial<ReconnectOptions>> | boolean | number;

/** Validated reconnect settings with the endpoint list resolved (the first is the original). */
export interface ReconnectSettings {
  readonly attempts: number;
  readonly initialDelay: number;
  readonly maxDelay: number;
  readonly endpoints: readonly Endpoint[];
}

function bad(msg: string): never {
  throw new ArgumentError(ErrorCode.INVALID_OPTION, msg);
}

function ms(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(`reconnect.${name} must be a non-negative number of ms`);
  return v;
}

/** Validates `reconnect`; undefined when off. */
export function resolveReconnect(v: unknown, first: Endpoint): ReconnectSettings | undefined {
  if (v === undefined || v === false) return undefined;
  let o: Partial<ReconnectOptions>;
  if (v === true) o = {};
  else if (typeof v === 'number') {
    if (!(v >= 1) || (!Number.isSafeInteger(v) && v !== Infinity)) bad('reconnect as a number is the count of attempts, ≥ 1');
    o = { attempts: v };
  } else if (v !== null && typeof v === 'object') o = v as Partial<ReconnectOptions>;
  else bad('reconnect must be an object, a boolean or a number of attempts');
  const attempts = o.attempts ?? DEFAULT_RECONNECT.attempts;
  if (typeof attempts !== 'number' || !(attempts >= 1) || (!Number.isSafeInteger(attempts) && attempts !== Infinity)) {
    bad('reconnect.attempts must be an integer ≥ 1 or Infinity');
  }
  const initialDelay = ms(o.initialDelay, 'initialDelay', DEFAULT_RECONNECT.initialDelay);
  const maxDelay = ms(o.maxDelay, 'maxDelay', Math.max(DEFAULT_RECONNECT.maxDelay, initialDelay));
  if (maxDelay < initialDelay) bad('reconnect.maxDelay must not be below initialDelay');
  const more: unknown = o.endpoints ?? [];
  if (!Array.isArray(more) || more.some((u) => typeof u !== 'string')) bad('reconnect.endpoints must be a list of URIs');
  return { attempts, initialDelay, maxDelay, endpoints: [first, ...(more as string[]).map((u) => parseUri(u))] };
}

/** What the reconnect loop needs from the client. */
export interface ReconnectTarget {
  /** Connects to `endpoint` and redoes the handshake; rejects when that fails. */
  open(endpoint: Endpoint): Promise<void>;
  emit(e: ClientStatusEvent): void;
}

/**
 * Tries the endpoints in turn, each attempt after a jittered delay (the first attempt after a
 * loss waits too, so that many clients losing one server do not return in one wave).
 * Resolves with the endpoint and attempt that succeeded, or rejects with the last error once
 * `attempts` consecutive attempts failed or `signal` aborted (the client is closing).
 */
export async function reconnectLoop(s: ReconnectSettings, target: ReconnectTarget, signal: AbortSignal): Promise<{ endpoint: Endpoint; attempt: number }> {
  let last: unknown = new Error('no attempt made');
  for (let attempt = 1; attempt <= s.attempts; attempt++) {
    const endpoint = s.endpoints[(attempt - 1) % s.endpoints.length] as Endpoint;
    const delay = backoffDelay({ initialDelay: s.initialDelay, maxDelay: s.maxDelay, factor: 2 }, attempt);
    target.emit({ type: 'reconnecting', endpoint: formatEndpoint(endpoint), attempt, delay });
    if (!(await pause(delay, signal)) && signal.aborted) break;
    try {
      await target.open(endpoint);
      return { endpoint, attempt };
    } catch (err) {
      last = err;
      if (signal.aborted) break;
      target.emit({ type: 'error', error: err instanceof Error ? err : new Error(String(err)), final: false });
    }
  }
  throw last;
}
