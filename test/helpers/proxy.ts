/**
 * A fault-injecting loopback TCP proxy for tests: forwards each accepted connection to a
 * target and, on command, cuts a connection after a chosen or random number of bytes in either
 * direction, delays chunks, blackholes traffic (the peers see nothing, no close) or resets (RST).
 * Listens on 127.0.0.1 port 0 only.
 */
import { once } from 'node:events';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';

/** Direction of traffic: client → server (`up`) or server → client (`down`). */
export type Direction = 'up' | 'down';

/** A byte offset at which a connection is cut: fixed, or drawn from [min, max] per connection. */
export type CutAt = number | { readonly min: number; readonly max: number };

/** Counters of a proxy. */
export interface ProxyCounts {
  connections: number;
  /** Connections cut at a byte offset. */
  cuts: number;
  resets: number;
  bytesUp: number;
  bytesDown: number;
  /** Connections closed at once because `refuse` was on. */
  refused: number;
  /** Bytes dropped by the blackhole. */
  swallowed: number;
}

/** A running proxy. */
export interface FaultProxy extends AsyncDisposable {
  readonly port: number;
  /** `af-inet://127.0.0.1:<port>`. */
  readonly uri: string;
  readonly counts: ProxyCounts;
  /** Connections currently open. */
  readonly open: number;
  /**
   * Cuts every connection (current and later ones) once `at` more bytes went `dir` on it: the
   * bytes before the offset are delivered, the rest is dropped and both sockets are destroyed.
   * `undefined` stops cutting.
   */
  cutAfter(dir: Direction, at: CutAt | undefined): void;
  /** Delays every chunk by `ms` (0 = none). */
  delay(ms: number): void;
  /** Swallows all traffic (both directions) while on; nothing is closed. */
  blackhole(on: boolean): void;
  /** Resets (TCP RST) every open connection now. */
  reset(): void;
  /** Refuses (closes at once) new connections while on. */
  refuse(on: boolean): void;
  /** Points new connections at another target port. */
  retarget(port: number): void;
  /** Closes the listener and every connection. */
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly server: Socket;
  /** Bytes left before the cut, per direction (undefined = no cut). */
  left: Record<Direction, number | undefined>;
}

function draw(at: CutAt, random: () => number): number {
  return typeof at === 'number' ? at : at.min + Math.floor(random() * (at.max - at.min + 1));
}

/** Starts a proxy to `127.0.0.1:targetPort`. `random` picks random cut offsets (default Math.random). */
export async function startProxy(targetPort: number, random: () => number = Math.random): Promise<FaultProxy> {
  let target = targetPort;
  const pairs = new Set<Pair>();
  const counts: ProxyCounts = { connections: 0, cuts: 0, resets: 0, bytesUp: 0, bytesDown: 0, swallowed: 0, refused: 0 };
  const cut: Record<Direction, CutAt | undefined> = { up: undefined, down: undefined };
  let delayMs = 0;
  let hole = false;
  let refusing = false;

  const kill = (p: Pair): void => {
    p.client.destroy();
    p.server.destroy();
  };

  const forward = (p: Pair, dir: Direction, chunk: Buffer): void => {
    if (hole) {
      counts.swallowed += chunk.length;
      return;
    }
    const to = dir === 'up' ? p.server : p.client;
    let data = chunk;
    const left = p.left[dir];
    let cutNow = false;
    if (left !== undefined) {
      if (data.length >= left) {
        data = data.subarray(0, left);
        cutNow = true;
      } else {
        p.left[dir] = left - data.length;
      }
    }
    if (dir === 'up') counts.bytesUp += data.length;
    else counts.bytesDown += data.length;
    const write = (): void => {
      if (data.length > 0 && !to.destroyed) to.write(data);
      if (cutNow) {
        counts.cuts++;
        p.left[dir] = undefined;
        // After the prefix is flushed: end() sends what was written, then both sides go.
        to.end(() => kill(p));
        (dir === 'up' ? p.client : p.server).destroy();
      }
    };
    if (delayMs > 0) setTimeout(write, delayMs);
    else write();
  };

  const listener: Server = createServer((client) => {
    if (refusing) {
      counts.refused++;
      client.destroy();
      return;
    }
    counts.connections++;
    const server = netConnect({ host: '127.0.0.1', port: target });
    const p: Pair = {
      client,
      server,
      left: { up: cut.up === undefined ? undefined : draw(cut.up, random), down: cut.down === undefined ? undefined : draw(cut.down, random) },
    };
    pairs.add(p);
    client.setNoDelay(true);
    server.setNoDelay(true);
    client.on('data', (c: Buffer) => forward(p, 'up', c));
    server.on('data', (c: Buffer) => forward(p, 'down', c));
    const gone = (): void => {
      pairs.delete(p);
      kill(p);
    };
    client.on('error', gone);
    server.on('error', gone);
    client.on('close', gone);
    server.on('close', gone);
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const addr = listener.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;

  const close = async (): Promise<void> => {
    for (const p of pairs) kill(p);
    pairs.clear();
    await new Promise<void>((r) => listener.close(() => r()));
  };
  return {
    port,
    uri: `af-inet://127.0.0.1:${port}`,
    counts,
    get open() {
      return pairs.size;
    },
    cutAfter(dir, at) {
      cut[dir] = at;
      for (const p of pairs) p.left[dir] = at === undefined ? undefined : draw(at, random);
    },
    delay(ms) {
      delayMs = ms;
    },
    blackhole(on) {
      hole = on;
    },
    reset() {
      for (const p of pairs) {
        counts.resets++;
        p.client.resetAndDestroy();
        p.server.resetAndDestroy();
      }
      pairs.clear();
    },
    refuse(on) {
      refusing = on;
    },
    retarget(newPort) {
      target = newPort;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
