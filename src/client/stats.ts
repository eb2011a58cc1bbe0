/**
 * Client latency statistics (`client.stats()`): one `perf_hooks` histogram per operation, so
 * timeouts can be chosen from percentiles rather than averages (seed §1).
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Latency of one operation, ms (of calls that got an answer; retries included in the time). */
export interface OperationStats {
  /** Calls answered. */
  readonly count: number;
  /** Calls that rejected (timeout, connection lost, abort …). */
  readonly errors: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** What `client.stats()` returns. */
export interface ClientStats {
  /** By operation: `send`, `offer`, `poll`, `publish`, `subscribe`, `status`, `queue` (management) … */
  readonly operations: Readonly<Record<string, OperationStats>>;
  /** Retries made (attempts after the first, including re-sends after a reconnect). */
  readonly retries: number;
  /** Retries the retry budget refused (those calls failed with their last error). */
  readonly retriesRefused: number;
  /** Connections lost. */
  readonly disconnects: number;
  /** Successful reconnects. */
  readonly reconnects: number;
}

/** The operation name under which a request type is counted. */
export function operationOf(type: string, topic: string): string {
  switch (type) {
    case 'REQUEST':
      return topic.startsWith('ipc-server/') ? 'status' : 'send';
    case 'OFFER':
      return 'offer';
    case 'POLL':
      return 'poll';
    case 'PUBLISH':
      return 'publish';
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE':
      return 'subscribe';
    case 'CREATE_QUEUE':
    case 'CREATE_TEMP_QUEUE':
    case 'REMOVE_QUEUE':
    case 'STATUS_QUEUE':
      return 'queue';
    default:
      return type.toLowerCase();
  }
}

interface Op {
  readonly h: RecordableHistogram;
  errors: number;
}

/** Collects the figures behind `client.stats()`. */
export class StatsRecorder {
  readonly #ops = new Map<string, Op>();
  retries = 0;
  retriesRefused = 0;
  disconnects = 0;
  reconnects = 0;

  #op(name: string): Op {
    let o = this.#ops.get(name);
    if (o === undefined) {
      o = { h: createHistogram(), errors: 0 };
      this.#ops.set(name, o);
    }
    return o;
  }

  /** Records an answered call that started at `startedAt` (performance.now(), ms). */
  ok(name: string, startedAt: number): void {
    // Microseconds: the histogram holds integers ≥ 1. performance.now() is a double, where
    // process.hrtime.bigint() allocated two BigInts per call (issue 11).
    const us = Math.round((performance.now() - startedAt) * 1000);
    this.#op(name).h.record(us < 1 ? 1 : us);
  }

  failed(name: string): void {
    this.#op(name).errors++;
  }

  snapshot(): ClientStats {
    const operations: Record<string, OperationStats> = {};
    for (const [name, { h, errors }] of this.#ops) {
      const ms = (v: number): number => (h.count === 0 ? 0 : Math.round(v) / 1000);
      operations[name] = {
        count: h.count,
        errors,
        p50: ms(h.percentile(50)),
        p90: ms(h.percentile(90)),
        p99: ms(h.percentile(99)),
        max: ms(h.max),
        mean: h.count === 0 ? 0 : Math.round(h.mean) / 1000,
      };
    }
    return { operations, retries: this.retries, retriesRefused: this.retriesRefused, disconnects: this.disconnects, reconnects: this.reconnects };
  }
}
