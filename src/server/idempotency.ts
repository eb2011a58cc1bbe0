/**
 * Server-side de-duplication by request id (seed "Timeouts, Retries, and Idempotency" §3,
 * option A; JetStream's `Nats-Msg-Id` window). With `idempotencyWindow` on, a REQUEST, OFFER or
 * PUBLISH carrying a request id seen from the same principal and destination within the window
 * is not executed again: the original answer is returned, re-addressed to the repeat's message
 * id; a repeat of a request still in progress waits for the original's answer. The memory is
 * bounded by entries and bytes (oldest answers go first). Off by default: Venice clients often
 * reuse request id "1".
 */
import type { Message } from '../message/message.js';
import type { DispatchResult, RequestContext, ServerCore } from './core.js';
import { textResponse } from './responses.js';

/** Validated settings; `window` 0 = off. */
export interface IdempotencySettings {
  /** How long an answer is remembered, ms. */
  readonly window: number;
  /** Answers remembered at most. */
  readonly maxEntries: number;
  /** Bytes of remembered answers (payloads, keys and a fixed overhead each) at most. */
  readonly maxBytes: number;
}

/** Counters of the de-duplication, in `server.stats.idempotency` (not in `ipc-server/status`, whose keys are Java's). */
export class IdempotencyStats {
  /** Repeats answered from memory without executing them. */
  duplicates = 0;
  /** Of those, repeats that arrived while the original was in progress and waited for it. */
  joined = 0;
  /** Answers remembered now. */
  entries = 0;
  /** Bytes of the answers remembered now. */
  bytes = 0;
  /** Answers forgotten before their window ended, to stay within the bounds. */
  evicted = 0;
  /** Request ids taken from the write-ahead log at start (durable offers). */
  seeded = 0;
}

/** Per-entry overhead counted against `maxBytes` (the Message object, map slot, timestamps). */
const ENTRY_OVERHEAD = 256;
const DEDUPLICATED: ReadonlySet<string> = new Set(['REQUEST', 'OFFER', 'PUBLISH']);

interface Entry {
  readonly at: number;
  bytes: number;
  /** The original's answer once known (null: a one-way request, nothing to answer). */
  answer: Message | null | undefined;
  /** The original's answer while it is in progress. */
  pending: Promise<Message | null> | undefined;
}

/** The key of a request, or undefined when it is not de-duplicated. */
function keyOf(principal: string, msg: Message): string | undefined {
  if (msg.requestId === null || !DEDUPLICATED.has(msg.type)) return undefined;
  if (msg.type === 'REQUEST' && msg.topic.startsWith('ipc-server/')) return undefined;
  const dest = msg.type === 'OFFER' ? `q:${msg.queueName ?? ''}` : `t:${msg.topic}`;
  return `${principal}\0${dest}\0${msg.requestId}`;
}

/** The key of a request id recovered from a durable queue (no principal is logged: any matches). */
function seedKey(queue: string, requestId: string): string {
  return `\0seed\0${queue}\0${requestId}`;
}

function readdress(answer: Message | null, req: Message): Message | null {
  return answer === null ? null : answer.with({ id: req.id });
}

/** The remembered answers of one server. */
export class IdempotencyCache {
  readonly #s: IdempotencySettings;
  readonly #stats: IdempotencyStats;
  readonly #now: () => number;
  readonly #map = new Map<string, Entry>(); // insertion order = age

  constructor(settings: IdempotencySettings, stats: IdempotencyStats, now: () => number = Date.now) {
    this.#s = settings;
    this.#stats = stats;
    this.#now = now;
  }

  /** Runs `exec` for `msg` unless it repeats a request remembered within the window. */
  run(ctx: RequestContext, msg: Message, exec: () => DispatchResult): DispatchResult {
    const key = keyOf(ctx.session.principal, msg);
    if (key === undefined) return exec();
    const now = this.#now();
    this.#expire(now);
    const hit = this.#map.get(key);
    if (hit !== undefined) {
      this.#stats.duplicates++;
      if (hit.pending !== undefined) {
        this.#stats.joined++;
        return hit.pending.then((a) => readdress(a, msg));
      }
      return readdress(hit.answer ?? null, msg);
    }
    if (msg.type === 'OFFER' && msg.queueName !== null && this.#map.has(seedKey(msg.queueName, msg.requestId as string))) {
      this.#stats.duplicates++;
      return textResponse(msg, 'OK', `Offered the message to the queue ${msg.queueName} (durable: ${msg.durable}).`);
    }
    const out = exec();
    const entry: Entry = { at: now, bytes: 0, answer: undefined, pending: undefined };
    if (!(out instanceof Promise)) {
      this.#complete(key, entry, msg, out);
      return out;
    }
    entry.pending = out;
    this.#map.set(key, entry);
    return out.then(
      (a) => {
        this.#complete(key, entry, msg, a);
        return a;
      },
      (err: unknown) => {
        if (this.#map.get(key) === entry) this.#map.delete(key); // nothing known: a repeat runs again
        throw err;
      },
    );
  }

  /** Remembers request ids of messages recovered into durable queue `queue` at start. */
  seed(queue: string, messages: readonly Message[]): void {
    const now = this.#now();
    for (const m of messages) {
      if (m.requestId === null) continue;
      const key = seedKey(queue, m.requestId);
      if (this.#map.has(key)) continue;
      this.#remember(key, { at: now, bytes: 0, answer: null, pending: undefined }, ENTRY_OVERHEAD + key.length);
      this.#stats.seeded++;
    }
  }

  #complete(key: string, entry: Entry, req: Message, answer: Message | null): void {
    entry.pending = undefined;
    // An offer that was refused (full, no such queue) stored nothing: a repeat may try again.
    if (req.type === 'OFFER' && answer !== null && !answer.responseOk) {
      if (this.#map.get(key) === entry) this.#map.delete(key);
      return;
    }
    entry.answer = answer;
    if (this.#map.get(key) === entry) this.#map.delete(key); // re-inserted below as the newest, with its size
    this.#remember(key, entry, ENTRY_OVERHEAD + key.length * 2 + (answer?.data.length ?? 0));
  }

  #remember(key: string, entry: Entry, bytes: number): void {
    entry.bytes = bytes;
    this.#map.set(key, entry);
    this.#stats.entries++;
    this.#stats.bytes += bytes;
    for (const [k, e] of this.#map) {
      if (this.#stats.entries <= this.#s.maxEntries && this.#stats.bytes <= this.#s.maxBytes) break;
      if (e.pending !== undefined) continue;
      this.#drop(k, e);
      this.#stats.evicted++;
    }
  }

  #drop(key: string, e: Entry): void {
    this.#map.delete(key);
    if (e.pending === undefined) {
      this.#stats.entries--;
      this.#stats.bytes -= e.bytes;
    }
  }

  #expire(now: number): void {
    for (const [k, e] of this.#map) {
      if (e.at + this.#s.window > now) break;
      if (e.pending === undefined) this.#drop(k, e);
    }
  }
}

const caches = new WeakMap<ServerCore, IdempotencyCache>();

/** Installs the cache of `server` (createServer, when `idempotencyWindow` is on). */
export function installIdempotency(server: ServerCore, cache: IdempotencyCache): void {
  caches.set(server, cache);
}

/** The cache of `server`, undefined when de-duplication is off. */
export function idempotencyOf(server: ServerCore): IdempotencyCache | undefined {
  return caches.get(server);
}
