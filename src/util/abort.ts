import { AbortError, ErrorCode, TimeoutError } from '../errors.js';

/**
 * The coded error for an aborted signal: a TimeoutError (TIMEOUT) for `AbortSignal.timeout()`,
 * else an AbortError (ABORTED); the signal's reason is kept as the cause.
 */
export function abortError(signal: AbortSignal): TimeoutError | AbortError {
  const reason: unknown = signal.reason;
  if (reason instanceof TimeoutError || reason instanceof AbortError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new TimeoutError(ErrorCode.TIMEOUT, 'The operation timed out', { cause: reason });
  }
  return new AbortError(ErrorCode.ABORTED, 'The operation was aborted', { cause: reason });
}

/**
 * Runs `onAbort` once when `signal` aborts; returns a function that removes the listener.
 * If the signal is already aborted, `onAbort` runs synchronously.
 */
export function onAbort(signal: AbortSignal | undefined, onAbortFn: () => void): () => void {
  if (signal === undefined) return noop;
  if (signal.aborted) {
    onAbortFn();
    return noop;
  }
  signal.addEventListener('abort', onAbortFn, { once: true });
  return () => signal.removeEventListener('abort', onAbortFn);
}

/**
 * Waits `ms`, ending early, without rejecting, when `signal` aborts. Resolves true when the
 * full time passed. The timer keeps the process alive: a client waiting to retry or reconnect
 * is work in progress.
 */
export function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve(false);
    const remove = onAbort(signal, () => {
      clearTimeout(timer);
      resolve(false);
    });
    const timer = setTimeout(() => {
      remove();
      resolve(true);
    }, ms);
  });
}

function noop(): void {}
