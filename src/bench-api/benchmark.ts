import { performance } from 'node:perf_hooks';
import { ArgumentError, ErrorCode, IpcError, RequestError } from '../errors.js';
import { messageFromFields, type Message } from '../message/message.js';
import { createServer, type Server } from '../server/server.js';
import { MAX_MESSAGE_SIZE_LIMIT } from '../transport/message-codec.js';
import { formatEndpoint, resolveEndpoint, type EndpointOptions } from '../transport/endpoint.js';
import { parseSize, type SizeValue } from '../util/units.js';
import { connect, type Client, type ClientCore } from '../client/client.js';

/** Options of {@link benchmark} (Venice `ipc/benchmark`, SEMANTICS §13). */
export interface BenchmarkOptions extends EndpointOptions {
  /** Payload size of each TEST message: bytes or a unit string such as `'5KB'`. */
  readonly msgSize: SizeValue;
  /** Stop after this many messages. */
  readonly msgCount: number;
  /** Stop after this many seconds (whichever limit comes first). */
  readonly durationSeconds: number;
  /** Requests kept in flight on the one connection. Defaults to 1 (Venice: strictly one after the other). */
  readonly inFlight?: number;
  /** Encrypt the connection (and, with `startServer`, make the server require it). Defaults to false. */
  readonly encrypt?: boolean;
  /**
   * Start a server on the endpoint first, as Venice does (max message size 250 MB, no
   * handler, 2 connection slots). `false` measures an existing server that answers TEST
   * messages. Defaults to true. Without an endpoint: an ephemeral port on 127.0.0.1 when
   * starting a server, else `127.0.0.1:33333`.
   */
  readonly startServer?: boolean;
  /** Print the summary to stdout when done. Defaults to false. */
  readonly print?: boolean;
  /** Response timeout of each request in ms. Defaults to 60000. */
  readonly timeout?: number;
  /** Called about once a second while sending, with the messages answered so far. Defaults to none. */
  readonly onProgress?: (progress: BenchmarkProgress) => void;
}

/** What {@link BenchmarkOptions.onProgress} gets. */
export interface BenchmarkProgress {
  /** Messages answered with OK so far. */
  readonly messages: number;
  /** Time since sending started, ms. */
  readonly elapsedMillis: number;
  /** The duration limit, ms. */
  readonly durationMillis: number;
}

/** Result of {@link benchmark}: the fields of Venice's result map plus latency percentiles. */
export interface BenchmarkResult {
  /** The parameters as used. */
  readonly params: {
    readonly uri: string;
    readonly msgSize: number;
    readonly msgCount: number;
    readonly durationSeconds: number;
    readonly inFlight: number;
    readonly encrypt: boolean;
    readonly startServer: boolean;
  };
  /** Messages sent and answered with OK. */
  readonly messageCount: number;
  /** Payload bytes per message. */
  readonly messageSize: number;
  /** Wall time of the sending phase, ms. */
  readonly durationMillis: number;
  /** messageCount × messageSize (only client-sent payload bytes count). */
  readonly totalBytesSent: number;
  /** Messages per second. */
  readonly throughputMsgs: number;
  /** MiB of payload per second. */
  readonly throughputMB: number;
  /** Median request→response latency, ms. */
  readonly latencyP50Millis: number;
  /** 99th percentile request→response latency, ms. */
  readonly latencyP99Millis: number;
  /** The summary text in Venice's format (SEMANTICS §13). */
  readonly summary: string;
}

/** Maximum message size of the server a benchmark starts (250 MiB, like Venice). */
export const BENCHMARK_SERVER_MAX_MESSAGE_SIZE = MAX_MESSAGE_SIZE_LIMIT;

function bad(msg: string): never {
  throw new ArgumentError(ErrorCode.INVALID_OPTION, msg);
}

function count(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) bad(`${name} must be a positive integer`);
  return v;
}

/** The value at quantile `q` of ascending `sorted`, nearest-rank. */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

const MiB = 1024 * 1024;

/**
 * Formats the summary exactly as Venice prints it (SEMANTICS §13).
 */
export function formatBenchmarkSummary(r: {
  messageCount: number;
  messageSize: number;
  durationMillis: number;
  totalBytesSent: number;
  throughputMsgs: number;
  throughputMB: number;
  encrypt: boolean;
}): string {
  const msgs = r.throughputMsgs < 10 ? r.throughputMsgs.toFixed(1) : String(Math.round(r.throughputMsgs));
  const mb = r.throughputMB < 100 ? r.throughputMB.toFixed(1) : String(Math.round(r.throughputMB));
  return [
    `Messages:         ${r.messageCount}`,
    `Payload size:     ${Math.floor(r.messageSize / 1024)} KB`,
    `Encryption:       ${r.encrypt ? 'on' : 'off'}`,
    '------------------------------',
    `Duration:         ${(r.durationMillis / 1000).toFixed(1)} s`,
    `Total bytes:      ${(r.totalBytesSent / MiB).toFixed(1)} MB`,
    `Throughput msgs:  ${msgs} msg/s`,
    `Throughput bytes: ${mb} MB/s`,
  ].join('\n');
}

/**
 * Venice's `ipc/benchmark`: sends TEST messages (WIRE §9.6: type TEST, topic `heartbeat`,
 * `application/octet-stream`, payload = `msgSize` zero bytes) and awaits each empty OK
 * answer, until `msgCount` messages were answered or `durationSeconds` passed. With
 * `inFlight > 1` that many requests are kept outstanding on the one connection.
 *
 * The payload buffer is allocated once and shared by every message; nothing copies it on
 * the way to the socket. A non-OK answer aborts with a RequestError (REQUEST_FAILED,
 * "Bad response"); other failures keep their own codes.
 *
 * ```ts
 * const r = await benchmark({ msgSize: '5KB', msgCount: 100_000, durationSeconds: 5 });
 * console.log(r.summary);
 * ```
 */
export async function benchmark(options: Readonly<BenchmarkOptions>): Promise<BenchmarkResult> {
  if (options === null || typeof options !== 'object') bad('benchmark expects an options object');
  const msgSize = parseSize(options.msgSize, 'msgSize');
  if (msgSize < 0 || msgSize > MAX_MESSAGE_SIZE_LIMIT) {
    throw new ArgumentError(ErrorCode.INVALID_SIZE, `msgSize must be between 0 and ${MAX_MESSAGE_SIZE_LIMIT} bytes`);
  }
  const msgCount = count(options.msgCount, 'msgCount');
  const durationSeconds = options.durationSeconds;
  if (typeof durationSeconds !== 'number' || !(durationSeconds > 0) || !Number.isFinite(durationSeconds)) {
    bad('durationSeconds must be a positive number');
  }
  const inFlight = options.inFlight === undefined ? 1 : count(options.inFlight, 'inFlight');
  const encrypt = options.encrypt ?? false;
  if (typeof encrypt !== 'boolean') bad('encrypt must be a boolean');
  const startServer = options.startServer ?? true;
  const timeout = options.timeout ?? 60_000;
  const given = options.uri !== undefined || options.path !== undefined || options.port !== undefined;
  const endpointOptions: EndpointOptions = given
    ? { uri: options.uri, path: options.path, port: options.port, host: options.host }
    : { port: startServer ? 0 : 33333 };
  const endpoint = resolveEndpoint(endpointOptions, startServer ? 'server' : 'client');

  let server: Server | undefined;
  let client: Client | undefined;
  try {
    if (startServer) {
      server = await createServer({
        uri: formatEndpoint(endpoint),
        maxMessageSize: BENCHMARK_SERVER_MAX_MESSAGE_SIZE,
        maxConnections: 2,
        encrypt,
      });
    }
    const uri = server?.uri ?? formatEndpoint(endpoint);
    client = await connect({ uri, encrypt, timeout, heartbeat: false });
    const core = client as unknown as ClientCore; // TEST is not a REQUEST: bypass send()'s type rewrite
    const payload = Buffer.alloc(msgSize); // zero bytes, allocated once, shared by every message
    const latencies = new Float64Array(Math.min(msgCount, 1 << 22));
    let started = 0;
    let done = 0;
    let failure: unknown;
    const t0 = performance.now();
    const deadline = t0 + durationSeconds * 1000;

    const worker = async (): Promise<void> => {
      while (failure === undefined && started < msgCount && performance.now() < deadline) {
        started++;
        const msg = messageFromFields({
          type: 'TEST',
          topics: ['heartbeat'],
          mimetype: 'application/octet-stream',
          charset: null,
          timeout: 300,
          data: payload,
        });
        const sentAt = performance.now();
        let res: Message;
        try {
          res = await core.request(msg, { timeout });
        } catch (err) {
          failure ??= err;
          return;
        }
        if (!res.responseOk) {
          failure ??= new RequestError(res.status, `Bad response: ${res.status}`);
          return;
        }
        if (done < latencies.length) latencies[done] = performance.now() - sentAt;
        done++;
      }
    };
    const onProgress = options.onProgress;
    const ticker =
      onProgress === undefined
        ? undefined
        : setInterval(() => onProgress({ messages: done, elapsedMillis: performance.now() - t0, durationMillis: durationSeconds * 1000 }), 1000);
    try {
      await Promise.all(Array.from({ length: inFlight }, worker));
    } finally {
      clearInterval(ticker);
    }
    const durationMillis = performance.now() - t0;
    if (failure !== undefined) {
      if (failure instanceof IpcError) throw failure;
      throw new RequestError('NULL', 'Benchmark failed!', { cause: failure });
    }
    const sorted = latencies.subarray(0, Math.min(done, latencies.length)).sort();
    const totalBytesSent = done * msgSize;
    const secs = durationMillis / 1000;
    const base = {
      messageCount: done,
      messageSize: msgSize,
      durationMillis,
      totalBytesSent,
      throughputMsgs: secs > 0 ? done / secs : 0,
      throughputMB: secs > 0 ? totalBytesSent / MiB / secs : 0,
    };
    const result: BenchmarkResult = {
      params: { uri, msgSize, msgCount, durationSeconds, inFlight, encrypt, startServer },
      ...base,
      latencyP50Millis: quantile(sorted, 0.5),
      latencyP99Millis: quantile(sorted, 0.99),
      summary: formatBenchmarkSummary({ ...base, encrypt }),
    };
    if (options.print === true) process.stdout.write(result.summary + '\n');
    return result;
  } finally {
    await client?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  }
}
