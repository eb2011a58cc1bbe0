// The seed's idempotency example, runnable ("Timeouts, Retries, and Idempotency", §3): a client
// sends "Pay John $100"; the server pays and answers, but the connection is cut before the
// answer arrives; the client retries. With `idempotencyWindow` the server recognises the request
// id and returns the original answer: John is paid once. Without it, John is paid twice.
import { connect as netConnect, createServer as netServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { connect, createServer, jsonMessage, type Message } from '../src/index.js';

/** A loopback proxy that, when armed, drops the next answer from the server and cuts the connection. */
async function cuttingProxy(targetPort: number): Promise<{ port: number; armed: boolean; close(): void }> {
  const sockets = new Set<Socket>();
  const state = { port: 0, armed: false, close: () => undefined as void };
  const proxy = netServer((client) => {
    const server = netConnect({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, server]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        server.destroy();
      });
    }
    client.on('data', (c: Buffer) => server.write(c));
    server.on('data', (c: Buffer) => {
      if (!state.armed) return void client.write(c);
      state.armed = false;
      console.log('proxy:  the answer is lost, the connection cut');
      client.destroy();
      server.destroy();
    });
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const addr = proxy.address();
  state.port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  state.close = () => {
    for (const s of sockets) s.destroy();
    proxy.close();
  };
  return state;
}

async function pay(idempotencyWindow: number): Promise<void> {
  const balances = new Map<string, number>();
  const handler = (m: Message): Message => {
    const { to, amount } = m.json<{ to: string; amount: number }>();
    balances.set(to, (balances.get(to) ?? 0) + amount);
    console.log(`server: paid ${to} $${amount}`);
    return jsonMessage(m.requestId, m.topic, { paid: to, amount });
  };
  await using server = await createServer({ port: 0, handler, idempotencyWindow });
  const proxy = await cuttingProxy(server.endpoint.kind === 'inet' ? server.endpoint.port : 0);
  try {
    // Retries of writes are an explicit opt-in: they are only safe with the server's window on.
    await using client = await connect({
      uri: `af-inet://127.0.0.1:${proxy.port}`,
      reconnect: true,
      retry: { attempts: 3, writes: true },
    });
    proxy.armed = true;
    const res = await client.send(jsonMessage('pay-john-100', 'payments', { to: 'John', amount: 100 }));
    console.log(`client: ${res.status} ${res.text} (after ${client.stats().retries} retry)`);
    console.log(`John's balance: $${balances.get('John') ?? 0}`);
  } finally {
    proxy.close();
  }
}

console.log('--- with idempotencyWindow: 60000 ---');
await pay(60_000);
console.log('--- without idempotencyWindow (Java-compatible default) ---');
await pay(0);
