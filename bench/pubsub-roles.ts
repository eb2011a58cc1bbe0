/**
 * The child processes of the pub/sub benchmark (bench/pubsub.ts): a publisher that publishes at
 * a given rate (or as fast as answered), and subscribers that measure what they receive. Both
 * talk to the parent over the fork IPC channel.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { binaryMessage, connect, type Client } from '../src/index.js';

/** Size of every published payload. */
export const MESSAGE_SIZE = 1000;
/** Topic of the benchmark. */
export const TOPIC = 'bench';
/** Every n-th delivery latency is reported (keeps the IPC reports small). */
const SAMPLE_EVERY = 8;

/** What the parent asks the publisher to do. */
export interface PublishCmd {
  readonly cmd: 'run';
  /** Messages/s; 0 = as fast as the server answers. */
  readonly rate: number;
  /** With rate 0: how many messages. */
  readonly count: number;
  /** With a rate: for how long. */
  readonly seconds: number;
  /** Publishes in flight at most. */
  readonly window: number;
}

/** What the publisher reports for a phase. */
export interface PhaseResult {
  readonly sent: number;
  readonly seconds: number;
  /** CPU time (user + system) the publisher process spent in the phase, µs. */
  readonly cpuMicros: number;
}

/** What a subscriber reports. */
export interface SubscriberReport {
  readonly received: number;
  /** Time between its first and last message of the phase. */
  readonly seconds: number;
  /** Sampled delivery latencies, ms. */
  readonly latencies: number[];
  readonly droppedClient: number;
  readonly droppedServer: number;
  /** CPU time (user + system) the subscriber process spent since the reset, µs. */
  readonly cpuMicros: number;
}

/** User + system CPU time of this process since `since`, µs. */
export function cpuSince(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return d.user + d.system;
}

const wallNow = (): number => performance.timeOrigin + performance.now();

/**
 * Closes the client on disconnect, and exits normally on SIGTERM (how the parent stops a role),
 * so that `--cpu-prof` still writes the child's profile.
 */
function stopOnSignal(client: Client): void {
  process.once('disconnect', () => void client.close());
  process.once('SIGTERM', () => {
    const exit = (): never => process.exit(0);
    client.close().then(exit, exit);
  });
}

function reply(msg: unknown): void {
  process.send?.(msg as object);
}

/** Subscriber process: counts pushes and their latency (the publisher stamps its wall clock in the payload). */
export async function subscriberMain(uri: string): Promise<void> {
  const client: Client = await connect({ uri });
  const sub = await client.subscribe(TOPIC, { bufferSize: 10_000 });
  let received = 0;
  let first = 0;
  let last = 0;
  let latencies: number[] = [];
  let baseClient = 0;
  let baseServer = 0;
  let baseCpu = process.cpuUsage();
  process.on('message', (m: { cmd: string }) => {
    const serverDrops = client.publishDiscardedCount();
    if (m.cmd === 'reset') {
      received = 0;
      first = 0;
      latencies = [];
      baseClient = sub.dropped;
      baseCpu = process.cpuUsage();
      void serverDrops.then((n) => {
        baseServer = n;
        reply({ ok: true });
      });
    } else if (m.cmd === 'report') {
      void serverDrops.then((n) => {
        const r: SubscriberReport = {
          received,
          seconds: (last - first) / 1000,
          latencies,
          droppedClient: sub.dropped - baseClient,
          droppedServer: n - baseServer,
          cpuMicros: cpuSince(baseCpu),
        };
        reply(r);
      });
    }
  });
  stopOnSignal(client);
  reply('ready');
  for await (const m of sub) {
    const now = wallNow();
    if (received === 0) first = now;
    last = now;
    if (received % SAMPLE_EVERY === 0) latencies.push(now - m.data.readDoubleLE(0));
    received++;
  }
}

/** Publisher process: runs phases on request. */
export async function publisherMain(uri: string): Promise<void> {
  const client = await connect({ uri });
  const template = binaryMessage(null, TOPIC, 'application/octet-stream', Buffer.alloc(MESSAGE_SIZE));
  process.on('message', (cmd: PublishCmd) => {
    void runPhase(client, template, cmd).then(reply);
  });
  stopOnSignal(client);
  reply('ready');
}

function runPhase(client: Client, template: ReturnType<typeof binaryMessage>, cmd: PublishCmd): Promise<PhaseResult> {
  // A rate phase ends after `seconds` even if the rate was not reached (the achieved rate is reported).
  let total = cmd.rate === 0 ? cmd.count : Math.floor(cmd.rate * cmd.seconds);
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const deadline = start + cmd.seconds * 1000;
  let sent = 0;
  let done = 0;
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const publishOne = (): void => {
      const data = Buffer.alloc(MESSAGE_SIZE);
      data.writeDoubleLE(wallNow(), 0);
      sent++;
      client.publish(template.with({ id: randomUUID(), data, timestamp: Date.now() })).then(onAnswer, reject);
    };
    const pump = (): void => {
      if (cmd.rate > 0 && performance.now() >= deadline && sent < total) {
        total = sent;
        if (done === total) finish();
        return;
      }
      const allowed = cmd.rate === 0 ? total : Math.min(total, Math.floor(((performance.now() - start) / 1000) * cmd.rate));
      while (sent < allowed && sent - done < cmd.window) publishOne();
      if (cmd.rate > 0 && sent < total && timer === undefined) {
        timer = setTimeout(() => {
          timer = undefined;
          pump();
        }, 1);
      }
    };
    const finish = (): void => {
      clearTimeout(timer);
      resolve({ sent, seconds: (performance.now() - start) / 1000, cpuMicros: cpuSince(cpu0) });
    };
    const onAnswer = (): void => {
      done++;
      if (done === total) {
        finish();
      } else if (cmd.rate === 0) {
        pump();
      }
    };
    pump();
  });
}
