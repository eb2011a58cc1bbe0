/**
 * Child process: a benchmark server. `node dist/bench/server.js <venice|raw> <uri>`.
 * Prints `listening on <uri>` when ready; exits on SIGTERM/SIGINT or when stdin closes.
 */
import { unlink } from 'node:fs/promises';
import { createServer, formatEndpoint, parseUri } from '../src/index.js';
import { startRawServer } from './lib/raw.js';

async function main(): Promise<void> {
  const [kind, uri] = process.argv.slice(2);
  if ((kind !== 'venice' && kind !== 'raw') || uri === undefined) throw new Error('usage: server.js <venice|raw> <uri>');
  const endpoint = parseUri(uri, true);
  let stop: () => Promise<void>;
  if (kind === 'venice') {
    // The server ipc/benchmark starts: 250 MB max message size, no handler (TEST needs none).
    const server = await createServer({ uri, maxMessageSize: '250MB' });
    process.stdout.write(`listening on ${server.uri}\n`);
    stop = () => server.close();
  } else {
    const { server, endpoint: bound } = await startRawServer(endpoint);
    process.stdout.write(`listening on ${formatEndpoint(bound)}\n`);
    stop = async () => {
      server.close();
      if (endpoint.kind === 'unix') await unlink(endpoint.path).catch(() => undefined);
    };
  }
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
    process.stdin.once('close', resolve); // the orchestrator went away
    process.stdin.resume();
  });
  await Promise.race([stop(), new Promise((r) => setTimeout(r, 2000).unref())]);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
