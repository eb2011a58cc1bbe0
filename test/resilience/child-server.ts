/**
 * A server in a child process for the restart tests: `VIPC_CHILD_SERVER='{"port":0,"walDir":…}'
 * node child-server.js` prints `listening on <uri>` once ready. Does nothing without the
 * variable (the test runner loads every file under test/).
 */
import { createServer, jsonMessage, type Server } from '../../src/index.js';

const raw = process.env['VIPC_CHILD_SERVER'];
if (raw !== undefined) {
  const cfg = JSON.parse(raw) as { port: number; walDir: string; idempotencyWindow: number };
  // Topic `stats` answers with the de-duplication counters; anything else is echoed.
  const server: Server = await createServer({
    port: cfg.port,
    walDir: cfg.walDir,
    idempotencyWindow: cfg.idempotencyWindow,
    handler: (m) => (m.topic === 'stats' ? jsonMessage(null, 'stats', { ...server.stats.idempotency }) : m),
  });
  if (!server.existsQueue('q')) await server.createQueue('q', { capacity: 1_000_000, durable: true });
  process.stdout.write(`listening on ${server.uri}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}
