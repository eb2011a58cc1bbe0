/**
 * The random-cut driver (shared by test/resilience/random-cuts.test.ts and soak/): calls with
 * retries and idempotency on through a proxy that cuts every connection at a random byte offset
 * in both directions; checks that every call settles in time with an answer or a coded error
 * and that the handler saw each request id at most once (exactly once for answered calls).
 */
import { connect, createServer, isIpcError, plainTextMessage, type Message } from '../../src/index.js';
import { startProxy } from '../helpers/proxy.js';

/** Options of {@link runRandomCuts}. */
export interface RandomCutOptions {
  readonly calls: number;
  /** Calls in flight at once. */
  readonly concurrency: number;
  /** Cut offsets drawn per connection and direction, bytes. */
  readonly cut: { readonly min: number; readonly max: number };
  /** Deadline of each call, ms. */
  readonly deadline: number;
  /** The client's retry budget. */
  readonly budget: { readonly ratio: number; readonly minPerSecond: number };
}

/** What a run saw. */
export interface RandomCutReport {
  calls: number;
  answered: number;
  /** Rejections by error code. */
  rejected: Record<string, number>;
  /** Rejections that were not coded IpcErrors, or answers with the wrong payload. */
  bad: number;
  /** Calls that settled after their deadline (plus 1 s slack). */
  late: number;
  connections: number;
  cuts: number;
  retries: number;
  retriesRefused: number;
  reconnects: number;
  duplicatesSuppressed: number;
  duplicatesJoined: number;
  /** Request ids the handler ran more than once: must be 0. */
  repeatedEffects: number;
  /** Answered calls whose id the handler never ran: must be 0. */
  answeredWithoutEffect: number;
  /** Most effects of one id. */
  maxEffectsPerId: number;
  unhandledRejections: number;
  ms: number;
}

/** Runs the calls; resolves with the report (never rejects for a failed call). */
export async function runRandomCuts(o: RandomCutOptions): Promise<RandomCutReport> {
  let unhandled = 0;
  const onUnhandled = (): void => void unhandled++;
  process.on('unhandledRejection', onUnhandled);
  const effects = new Map<string, number>();
  const server = await createServer({
    port: 0,
    maxConnections: 200,
    idempotencyWindow: 120_000,
    handler: (m: Message) => {
      const id = m.requestId ?? '?';
      effects.set(id, (effects.get(id) ?? 0) + 1);
      return m;
    },
  });
  const t0 = Date.now();
  const proxy = await startProxy(server.endpoint.kind === 'inet' ? server.endpoint.port : 0);
  const r: RandomCutReport = {
    calls: o.calls, answered: 0, rejected: {}, bad: 0, late: 0, connections: 0, cuts: 0, retries: 0, retriesRefused: 0, reconnects: 0,
    duplicatesSuppressed: 0, duplicatesJoined: 0, repeatedEffects: 0, answeredWithoutEffect: 0, maxEffectsPerId: 0, unhandledRejections: 0, ms: 0,
  };
  try {
    const client = await connect({
      uri: proxy.uri,
      timeout: 1000,
      handshakeTimeout: 1000,
      retry: { attempts: 20, initialDelay: 5, maxDelay: 100, writes: true, budget: o.budget },
      reconnect: { attempts: Infinity, initialDelay: 5, maxDelay: 50 },
    });
    proxy.cutAfter('up', o.cut);
    proxy.cutAfter('down', o.cut);
    const answered = new Set<string>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < o.calls) {
        const id = `call-${next++}`;
        const started = Date.now();
        const body = `${id}:${'x'.repeat(64)}`;
        try {
          const res = await client.send(plainTextMessage(id, 'pay', body), { signal: AbortSignal.timeout(o.deadline) });
          if (res.text === body && res.responseOk) {
            r.answered++;
            answered.add(id);
          } else r.bad++;
        } catch (err) {
          if (isIpcError(err)) r.rejected[err.code] = (r.rejected[err.code] ?? 0) + 1;
          else r.bad++;
        }
        if (Date.now() - started > o.deadline + 1000) r.late++;
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    proxy.cutAfter('up', undefined);
    proxy.cutAfter('down', undefined);
    const s = client.stats();
    r.retries = s.retries;
    r.retriesRefused = s.retriesRefused;
    r.reconnects = s.reconnects;
    client.destroy();
    for (const [, n] of effects) {
      if (n > 1) r.repeatedEffects++;
      r.maxEffectsPerId = Math.max(r.maxEffectsPerId, n);
    }
    for (const id of answered) if (!effects.has(id)) r.answeredWithoutEffect++;
  } finally {
    r.connections = proxy.counts.connections;
    r.cuts = proxy.counts.cuts;
    r.duplicatesSuppressed = server.stats.idempotency.duplicates;
    r.duplicatesJoined = server.stats.idempotency.joined;
    await proxy.close();
    await server.close();
    r.ms = Date.now() - t0;
    // Give rejections of this run a turn to surface before counting.
    await new Promise((res) => setImmediate(res));
    process.off('unhandledRejection', onUnhandled);
    r.unhandledRejections = unhandled;
  }
  return r;
}
