import { createServer, loadAuthenticator, type Handler, type ServerOptions, type SizeValue } from '../index.js';
import { int, parse, str, UsageError, type Command } from './common.js';
import { parseQueueSpec } from './queue.js';

const echo: Handler = (m) => m;

/** A size option: a plain (possibly negative) integer is a number, anything else a unit string. */
function sizeOption(x: string | undefined): SizeValue | undefined {
  if (x === undefined) return undefined;
  return /^-?[0-9]+$/.test(x) ? Number(x) : x;
}

/** `venice-ipc serve`: runs a server until SIGINT/SIGTERM. */
export const serveCommand: Command = {
  name: 'serve',
  usage:
    'serve [--port N | --uri URI] [--handler echo|none] [--max-message-size SIZE] [--max-connections N] [--heartbeat-interval S] ' +
      '[--queue NAME:CAPACITY[:bounded|circular|:bounded:durable]]... [--max-queues N] [--no-client-queue-mgmt] ' +
      '[--encrypt] [--credentials FILE] [--compress-cutoff-size SIZE] [--wal-dir DIR [--wal-compress] [--wal-compact] [--wal-salvage]] ' +
      '[--cluster nats://HOST:PORT[,…] [--cluster-name NAME]]',
  summary: 'run a server (binds 127.0.0.1 unless the URI names another host)',
  async run(argv) {
    const { values: v } = parse(argv, {
      port: { type: 'string' },
      uri: { type: 'string' },
      handler: { type: 'string' },
      'max-message-size': { type: 'string' },
      'max-connections': { type: 'string' },
      'heartbeat-interval': { type: 'string' },
      hint: { type: 'boolean' },
      encrypt: { type: 'boolean' },
      credentials: { type: 'string' },
      'compress-cutoff-size': { type: 'string' },
      queue: { type: 'string', multiple: true },
      'max-queues': { type: 'string' },
      'no-client-queue-mgmt': { type: 'boolean' },
      'wal-dir': { type: 'string' },
      'wal-compress': { type: 'boolean' },
      'wal-compact': { type: 'boolean' },
      'wal-salvage': { type: 'boolean' },
      cluster: { type: 'string' },
      'cluster-name': { type: 'string' },
    });
    const cluster = str(v, 'cluster');
    const clusterName = str(v, 'cluster-name');
    if (cluster === undefined && clusterName !== undefined) throw new UsageError('--cluster-name needs --cluster');
    const queues = ((v['queue'] as string[] | undefined) ?? []).map(parseQueueSpec);
    const maxQueues = int(v, 'max-queues');
    const uri = str(v, 'uri');
    const port = int(v, 'port');
    if (uri !== undefined && port !== undefined) throw new UsageError('give either --port or --uri');
    const handlerName = str(v, 'handler') ?? 'echo';
    if (handlerName !== 'echo' && handlerName !== 'none') throw new UsageError('--handler must be echo or none');
    const maxConnections = int(v, 'max-connections');
    const heartbeatInterval = int(v, 'heartbeat-interval');
    const maxMessageSize = sizeOption(str(v, 'max-message-size'));
    const cutoff = sizeOption(str(v, 'compress-cutoff-size'));
    const credentials = str(v, 'credentials');
    const authenticator = credentials === undefined ? undefined : await loadAuthenticator(credentials);
    const walDir = str(v, 'wal-dir');
    if (walDir === undefined && (v['wal-compress'] === true || v['wal-compact'] === true || v['wal-salvage'] === true)) {
      throw new UsageError('--wal-compress, --wal-compact and --wal-salvage need --wal-dir');
    }
    const opts: ServerOptions = {
      ...(uri !== undefined ? { uri } : { port: port ?? 33333 }),
      ...(handlerName === 'echo' ? { handler: echo } : {}),
      ...(maxConnections !== undefined ? { maxConnections } : {}),
      ...(heartbeatInterval !== undefined ? { heartbeatInterval } : {}),
      ...(maxQueues !== undefined ? { maxQueues } : {}),
      ...(v['no-client-queue-mgmt'] === true ? { permitClientQueueMgmt: false } : {}),
      ...(maxMessageSize !== undefined ? { maxMessageSize } : {}),
      ...(cutoff !== undefined ? { compressCutoffSize: cutoff } : {}),
      ...(v['encrypt'] === true ? { encrypt: true } : {}),
      ...(authenticator !== undefined ? { authenticator } : {}),
      ...(walDir !== undefined
        ? {
            walDir,
            walCompress: v['wal-compress'] === true,
            walCompact: v['wal-compact'] === true,
            walSalvage: v['wal-salvage'] === true,
            onWalWarning: (m: string) => process.stderr.write(`write-ahead log: ${m}\n`),
          }
        : {}),
      ...(cluster !== undefined ? { cluster: { servers: cluster, ...(clusterName !== undefined ? { name: clusterName } : {}) } } : {}),
      onConnectionError: (err, info) => {
        const code = (err as { code?: string }).code ?? 'ERROR';
        process.stderr.write(`connection ${info.connectionId} (${info.remote}) closed: ${code}: ${err.message}\n`);
      },
    };
    const server = await createServer(opts);
    try {
      for (const q of queues) await server.createQueue(q.name, { capacity: q.capacity, type: q.type, durable: q.durable });
    } catch (err) {
      await server.close();
      throw err;
    }
    process.stdout.write(`listening on ${server.uri}\n`);
    const node = await server.clusterStatus();
    if (node !== undefined) process.stderr.write(`cluster node ${node.node} on ${node.servers.join(',')}\n`);
    if (v['hint'] === true) {
      process.stderr.write(
        `Try it from another terminal (in this folder):\n  npm run cli -- send --uri ${server.uri} --text hello\nStop with Ctrl-C.\n`,
      );
    }
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    return 0;
  },
};
