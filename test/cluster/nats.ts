/**
 * Real nats-server processes for the cluster tests: loopback only, ports chosen by the server
 * (`-p -1`, read back from `--ports_file_dir`) or picked free, stopped by pid, dirs removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { connect as vipcConnect, createServer, type Client, type Server, type ServerOptions } from '../../src/index.js';

const BIN = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => existsSync(p)) ?? 'nats-server';
const START_MS = 10_000;

/** Polls `pred` every 20 ms until it is true, for at most `ms`. */
export async function waitFor(pred: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One nats-server process. */
export interface NatsProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Stops it (SIGTERM: graceful, SIGKILL: crash) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and store (after stop). */
  restart(): Promise<void>;
  /** Stops it if running and removes its directory. */
  dispose(): Promise<void>;
}

interface Spec {
  readonly dir: string;
  args(): string[];
}

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', () => r()));
}

async function launch(spec: Spec, fixedPort: number | undefined): Promise<{ proc: ChildProcess; port: number }> {
  const portsDir = join(spec.dir, 'ports');
  rmSync(portsDir, { recursive: true, force: true });
  mkdirSync(portsDir, { recursive: true }); // nats-server does not create it
  const proc = spawn(BIN, [...spec.args(), '--ports_file_dir', portsDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  });
  let port = fixedPort ?? 0;
  try {
    await waitFor(
      () => {
        if (proc.exitCode !== null) throw new Error(`nats-server exited: ${log}`);
        if (!existsSync(portsDir)) return false;
        const f = readdirSync(portsDir).find((n) => n.endsWith('.ports'));
        if (f === undefined) return false;
        const ports = JSON.parse(readFileSync(join(portsDir, f), 'utf8')) as { nats: string[] };
        port = Number(new URL(ports.nats[0] as string).port);
        return true;
      },
      START_MS,
      'nats-server to listen',
    );
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  return { proc, port };
}

function handle(spec: Spec, first: { proc: ChildProcess; port: number }, onPort: (p: number) => void): NatsProcess {
  let proc: ChildProcess | undefined = first.proc;
  const port = first.port;
  onPort(port);
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (p === undefined || p.pid === undefined) return;
    const done = exited(p);
    process.kill(p.pid, signal);
    await done;
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    get pid() {
      return proc?.pid ?? -1;
    },
    stop,
    async restart() {
      await stop();
      proc = (await launch(spec, port)).proc;
    },
    async dispose() {
      await stop('SIGKILL');
      rmSync(spec.dir, { recursive: true, force: true });
    },
  };
}

/** Starts one nats-server with JetStream on a loopback port it picks. */
export async function startNats(): Promise<NatsProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'vipc-nats-'));
  let port = -1;
  const spec: Spec = { dir, args: () => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'js')] };
  const first = await launch(spec, undefined);
  return handle(spec, first, (p) => (port = p));
}

/** A free loopback port (there is a race until the server binds it: callers retry). */
async function freePort(): Promise<number> {
  const s = netServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Starts a 3-server NATS cluster with JetStream (route ports picked free; one retry on a port race). */
export async function startNatsCluster(size = 3): Promise<NatsProcess[]> {
  for (let attempt = 0; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'vipc-natsc-'));
    const ports = await Promise.all(Array.from({ length: size * 2 }, () => freePort()));
    const started: NatsProcess[] = [];
    try {
      for (let i = 0; i < size; i++) {
        const sdir = join(dir, `n${i}`);
        const routes = Array.from({ length: size }, (_, j) => `nats-route://127.0.0.1:${ports[size + j]}`).filter((_, j) => j !== i);
        const conf = join(dir, `n${i}.conf`);
        writeFileSync(
          conf,
          [
            `listen: 127.0.0.1:${ports[i]}`,
            `server_name: n${i}`,
            `jetstream { store_dir: "${join(sdir, 'js')}" }`,
            `cluster { name: vipc, listen: 127.0.0.1:${ports[size + i]}, routes: [${routes.join(', ')}] }`,
          ].join('\n'),
        );
        const args = (): string[] => ['-c', conf];
        // The first server's handle owns the whole directory, so that disposing it removes everything.
        started.push(handle({ dir: i === 0 ? dir : sdir, args }, await launch({ dir: sdir, args }, ports[i]), () => undefined));
      }
      await waitForJetStream(started.map((s) => s.url), 20_000, size);
      return started;
    } catch (err) {
      for (const s of started) await s.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      if (attempt >= 1) throw err;
    }
  }
}

/** Waits until JetStream answers and can place a stream with `replicas` replicas (a cluster has elected its meta leader and knows its peers). */
export async function waitForJetStream(servers: string[], ms: number, replicas = 1): Promise<void> {
  const nc: NatsConnection = await connect({ servers });
  try {
    await waitFor(
      async () => {
        try {
          const jsm = await nc.jetstreamManager({ timeout: 1000 });
          await jsm.getAccountInfo();
          if (replicas > 1) {
            await jsm.streams.add({ name: 'probe', subjects: ['probe'], num_replicas: replicas });
            await jsm.streams.delete('probe');
          }
          return true;
        } catch {
          return false;
        }
      },
      ms,
      'JetStream to be ready',
    );
  } finally {
    await nc.close();
  }
}

/** Venice nodes on port 0 sharing one engine, plus clients; disposing closes them all. */
export interface Nodes extends AsyncDisposable {
  readonly servers: Server[];
  client(node: number): Promise<Client>;
  /** Closes one node now (its clients lose their connection). */
  kill(node: number): Promise<void>;
}

/** Starts `count` nodes named A, B, C… on the given NATS servers. */
export async function startNodes(count: number, natsUrls: string[], extra: Partial<ServerOptions> = {}, cluster: Record<string, unknown> = {}): Promise<Nodes> {
  const servers: Server[] = [];
  const clients: Client[] = [];
  try {
    for (let i = 0; i < count; i++) {
      servers.push(await createServer({ port: 0, ...extra, cluster: { servers: natsUrls, name: String.fromCharCode(65 + i), ...cluster } }));
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
  return {
    servers,
    async client(node) {
      const c = await vipcConnect({ uri: (servers[node] as Server).uri });
      clients.push(c);
      return c;
    },
    async kill(node) {
      await (servers[node] as Server).close();
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(clients.map((c) => c.close()));
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
