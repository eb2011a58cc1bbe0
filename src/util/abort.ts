import { ErrorCode, TimeoutError } from '../errors.js';

/**
 * The coded error for an aborted signal: TIMEOUT for `AbortSignal.timeout()`, else ABORTED;
 * the signal's reason is kept as the cause.
 */
export function abortError(signal: AbortSignal): TimeoutError {
  const reason: unknown = signal.reason;
  if (reason instanceof TimeoutError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new TimeoutError(ErrorCode.TIMEOUT, 'The operation timed out', { cause: reason });
  }
  return new TimeoutError(ErrorCode.ABORTED, 'The operation was aborted', { cause: reason });
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

function noop(): void {}
