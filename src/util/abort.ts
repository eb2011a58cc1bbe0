import { ErrorCode, TimeoutError } from '../errors.js';

/** The error used when an AbortSignal fires without a reason of its own. */
export function abortError(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'TimeoutError' && !(reason instanceof TimeoutError)) {
    return new TimeoutError(ErrorCode.TIMEOUT, 'The operation timed out', { cause: reason });
  }
  return reason ?? new TimeoutError(ErrorCode.ABORTED, 'The operation was aborted');
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
