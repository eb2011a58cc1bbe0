/**
 * The resilience flags of the client commands (docs/resilience.md): `--retries N` on send,
 * offer and poll, `--reconnect` on subscribe; and `serve --idempotency-window MS --handler-timeout MS`.
 */
import type { Client, ClientOptions, ServerOptions } from '../index.js';
import { describe, int, UsageError, type OptionSpec, type Values } from './common.js';

/** `--retries N` of send and offer. */
export const RETRY_OPTION: OptionSpec = {
  name: 'retries',
  type: 'string',
  value: 'N',
  description:
    'retry the connect and the call up to N times, reconnecting in between; the call is repeated with a request id, so use it with a server started with --idempotency-window (else a repeat runs twice). Defaults to 0',
};
/** `--retries N` of poll: a poll is never repeated once sent. */
export const POLL_RETRY_OPTION: OptionSpec = {
  ...RETRY_OPTION,
  description: 'retry the connect up to N times; a poll is never repeated once sent (it may have taken a message). Defaults to 0',
};
/** `--reconnect` of subscribe. */
export const RECONNECT_OPTION: OptionSpec = {
  name: 'reconnect',
  type: 'boolean',
  description: 'reconnect and subscribe again after a lost connection (one line on stderr each); without it a loss exits 1 with the reason. Defaults to off',
};
/** The resilience flags of serve. */
export const SERVE_RESILIENCE_OPTIONS: readonly OptionSpec[] = [
  { name: 'idempotency-window', type: 'string', value: 'MS', description: 'answer a repeated request id (same user, topic or queue) from memory for MS ms instead of running it again. Defaults to 0 (off)' },
  { name: 'handler-timeout', type: 'string', value: 'MS', description: 'answer HANDLER_ERROR when the handler takes longer than MS ms. Defaults to 0 (no deadline)' },
];

/**
 * Client options for `--retries N`: the connect and the call are tried up to N more times, the
 * connection is re-established in between, and writes (send, offer) are repeated with a
 * request id — safe only against a server with an idempotency window. A poll is never repeated
 * once sent (it may have taken a message).
 */
export function retryOptions(v: Values): Pick<ClientOptions, 'retry' | 'reconnect'> {
  const n = int(v, 'retries');
  if (n === undefined || n === 0) return {};
  if (n < 0) throw new UsageError('--retries must be at least 0');
  return { retry: { attempts: n + 1, writes: true }, reconnect: { attempts: n } };
}

/** Server options for `--idempotency-window MS` and `--handler-timeout MS`. */
export function serveResilienceOptions(v: Values): Pick<ServerOptions, 'idempotencyWindow' | 'handlerTimeout'> {
  const window = int(v, 'idempotency-window');
  const deadline = int(v, 'handler-timeout');
  if ((window !== undefined && window < 0) || (deadline !== undefined && deadline < 0)) throw new UsageError('--idempotency-window and --handler-timeout take ms ≥ 0');
  return { ...(window !== undefined ? { idempotencyWindow: window } : {}), ...(deadline !== undefined ? { handlerTimeout: deadline } : {}) };
}

/** `subscribe --reconnect`: reports disconnects and reconnects on stderr, one line each, until the client closes. */
export function reportReconnects(client: Client): void {
  // Ends when the client closes; writes only to stderr, so nothing to catch.
  void (async () => {
    for await (const e of client.status()) {
      if (e.type === 'disconnect') process.stderr.write(`disconnected: ${describe(e.error)}\n`);
      else if (e.type === 'reconnect') process.stderr.write(`reconnected to ${e.endpoint} after ${e.downtime} ms\n`);
    }
  })();
}
