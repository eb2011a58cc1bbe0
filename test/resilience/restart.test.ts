/**
 * Server SIGKILL and restart on the same port with a write-ahead log (issue 9): a reconnecting
 * subscriber receives what is published after the restart, and a producer with retries into a
 * durable queue ends with every acknowledged message present exactly once (ids of offers that
 * were stored but not answered before the kill are de-duplicated from the recovered log).
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, isIpcError, parseUri, plainTextMessage, type Message } from '../../src/index.js';
import { until } from '../helpers/net.js';
import { startProxy } from '../helpers/proxy.js';
import { statusLog } from './helpers.js';

const SCRIPT = fileURLToPath(new URL('./child-server.js', import.meta.url));

interface Child {
  readonly child: ChildProcess;
  readonly uri: string;
  readonly exited: Promise<unknown>;
}

function startChild(port: number, walDir: string): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT], {
      env: { ...process.env, VIPC_CHILD_SERVER: JSON.stringify({ port, walDir, idempotencyWindow: 120_000 }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((r) => child.once('close', r));
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child server did not start: ${err}`));
    }, 15_000);
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`child server exited with ${String(code)}: ${err}`));
    });
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (\S+)\n/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      resolve({ child, uri: m[1] as string, exited });
    });
  });
}

async function kill(c: Child): Promise<void> {
  if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  await c.exited;
}

/** A child server on a fresh WAL directory, killed and removed after the test; `restart()` SIGKILLs it and starts it again on the same port. */
async function crashableServer(t: TestContext): Promise<{ readonly uri: string; readonly port: number; restart(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'vipc-restart-'));
  let server = await startChild(0, dir);
  t.after(async () => {
    await kill(server);
    await rm(dir, { recursive: true, force: true });
  });
  const ep = parseUri(server.uri);
  const port = ep.kind === 'inet' ? ep.port : 0;
  return {
    get uri() {
      return server.uri;
    },
    port,
    async restart() {
      await kill(server);
      server = await startChild(port, dir);
    },
  };
}

test('SIGKILL and restart on the same port: the subscriber gets what is published after; every acknowledged offer is there once', { timeout: 60_000 }, async (t) => {
  const server = await crashableServer(t);
  const reconnect = { attempts: Infinity, initialDelay: 20, maxDelay: 100 } as const;
  await using subscriber = await connect({ uri: server.uri, reconnect });
  const subLog = statusLog(subscriber);
  const pushes: string[] = [];
  await subscriber.subscribe('news', (m: Message) => void pushes.push(m.text));
  await using producer = await connect({ uri: server.uri, timeout: 15_000, reconnect, retry: { attempts: 10, initialDelay: 20, maxDelay: 200, writes: true } });

  const acked = new Set<string>();
  const failed = new Map<string, string>();
  const okAt: number[] = [];
  let next = 0;
  const TOTAL = 600;
  const worker = async (): Promise<void> => {
    while (next < TOTAL) {
      const id = `m-${next++}`;
      try {
        const r = await producer.offer('q', plainTextMessage(id, 'pay', id).with({ durable: true }));
        if (r.responseOk) {
          acked.add(id);
          okAt.push(Date.now());
        } else failed.set(id, r.status);
      } catch (err) {
        failed.set(id, isIpcError(err) ? err.code : String(err));
      }
    }
  };
  const load = Promise.all(Array.from({ length: 8 }, worker));
  await until(() => acked.size >= 150, 20_000, '150 acknowledged offers');
  const killedAt = Date.now();
  await server.restart();
  const restartedAt = Date.now();
  await load;
  const firstOk = okAt.find((at) => at >= restartedAt);
  const back = await subLog.next('reconnect', 20_000);
  assert.ok(back.type === 'reconnect' && back.resubscribed === 1);
  await using publisher = await connect({ uri: server.uri });
  await publisher.publish(plainTextMessage('1', 'news', 'after the restart'));
  await until(() => pushes.length === 1, 10_000, 'the push after the restart');
  assert.deepEqual(pushes, ['after the restart']);

  // Everything in the queue, in one pass.
  const found = new Map<string, number>();
  for (;;) {
    const r = await publisher.poll('q');
    if (!r.responseOk) break;
    const id = r.requestId ?? '?';
    found.set(id, (found.get(id) ?? 0) + 1);
  }
  const idem = (await publisher.send(plainTextMessage(null, 'stats', ''))).json<{ seeded: number; duplicates: number }>();
  const missing = [...acked].filter((id) => !found.has(id));
  const twice = [...found].filter(([, n]) => n > 1).map(([id]) => id);
  console.log(
    `restart: offers ${TOTAL}, acknowledged ${acked.size}, failed ${failed.size} ${JSON.stringify(Object.fromEntries([...new Set(failed.values())].map((c) => [c, [...failed.values()].filter((v) => v === c).length])))}, ` +
      `in the queue ${found.size}, missing ${missing.length}, twice ${twice.length}, producer retries ${producer.stats().retries}, ` +
      `kill→restart ready ${restartedAt - killedAt} ms, restart ready→first acknowledged offer ${firstOk === undefined ? 'none' : `${firstOk - restartedAt} ms`}, ` +
      `subscriber downtime ${back.type === 'reconnect' ? back.downtime : '?'} ms, ids seeded from the WAL ${idem.seeded}, repeats suppressed after the restart ${idem.duplicates}`,
  );
  assert.deepEqual(missing, []);
  assert.deepEqual(twice, []);
  assert.equal(failed.size, 0, `failed offers: ${JSON.stringify([...failed])}`);
  assert.equal(acked.size, TOTAL);
  assert.ok(firstOk !== undefined);
  assert.ok(idem.seeded >= 150, 'the restarted server remembers the recovered request ids');
});

test('an offer stored durably whose answer was lost, retried after SIGKILL and restart, is not stored twice (ids seeded from the WAL)', { timeout: 60_000 }, async (t) => {
  const server = await crashableServer(t);
  await using proxy = await startProxy(server.port);
  await using client = await connect({
    uri: proxy.uri,
    timeout: 10_000,
    reconnect: { attempts: Infinity, initialDelay: 20, maxDelay: 100 },
    retry: { attempts: 5, initialDelay: 20, maxDelay: 100, writes: true },
  });
  proxy.refuse(true); // the client cannot come back before the kill
  proxy.cutAfter('down', 0); // the next answer is cut off: the server stored the offer, the client never hears it
  const offer = client.offer('q', plainTextMessage('pay-john-100', 'pay', 'John $100').with({ durable: true }));
  await until(() => proxy.counts.cuts === 1, 10_000, 'the answer to be cut');
  proxy.cutAfter('down', undefined);
  await server.restart();
  proxy.refuse(false);
  const r = await offer;
  assert.equal(r.status, 'OK');
  assert.ok(client.stats().retries >= 1);
  await using direct = await connect({ uri: server.uri });
  const idem = (await direct.send(plainTextMessage(null, 'stats', ''))).json<{ seeded: number; duplicates: number }>();
  assert.equal(idem.seeded, 1);
  assert.equal(idem.duplicates, 1);
  assert.equal((await direct.queueStatus('q')).size, 1);
});
