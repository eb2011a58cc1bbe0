import { createServer, loadAuthenticator, type Handler, type ServerOptions, type SizeValue } from '../index.js';
import { EXIT, int, port as portOption, str, UsageError, type Command } from './common.js';
import { parseQueueSpec } from './queue.js';
import { SERVE_RESILIENCE_OPTIONS, serveResilienceOptions } from './resilience.js';
import { reloadAclOnSighup, serveSecurityOptions, SERVE_SECURITY_OPTIONS } from './serve-security.js';
import { httpOption, SERVE_OBSERVE_OPTIONS, serveLogger } from './log.js';

const echo: Handler = (m) => m;

/** A size option: a plain (possibly negative) integer is a number, anything else a unit string. */
function sizeOption(x: string | undefined): SizeValue | undefined {
  if (x === undefined) return undefined;
  return /^-?[0-9]+$/.test(x) ? Number(x) : x;
}

/** `venice-ipc serve`: runs a server until SIGINT/SIGTERM. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'run a server (binds 127.0.0.1 unless the URI names another host) until SIGINT/SIGTERM',
  details: "Prints one line 'listening on <uri>' on stdout when ready; closes gracefully on SIGINT/SIGTERM.",
  options: [
    { name: 'port', type: 'string', value: 'N', description: 'port on 127.0.0.1, 0 for an ephemeral one. Defaults to 33333' },
    { name: 'uri', type: 'string', value: 'URI', description: 'endpoint, af-inet://HOST:PORT or af-unix:///PATH (instead of --port). Defaults to af-inet://127.0.0.1:33333' },
    { name: 'handler', type: 'string', value: 'echo|none', description: 'request handler: echo answers with the request, none with HANDLER_ERROR. Defaults to echo' },
    { name: 'max-message-size', type: 'string', value: 'SIZE', description: 'largest message accepted, bytes or a unit string. Defaults to the server default' },
    { name: 'max-connections', type: 'string', value: 'N', description: 'most simultaneous connections. Defaults to the server default' },
    { name: 'heartbeat-interval', type: 'string', value: 'S', description: 'heartbeat interval in seconds. Defaults to the server default' },
    { name: 'hint', type: 'boolean', description: 'print how to try the server from another terminal on stderr. Defaults to off' },
    { name: 'encrypt', type: 'boolean', description: 'require encrypted connections. Defaults to off' },
    { name: 'credentials', type: 'string', value: 'FILE', description: 'require logins checked against a credentials file (needs --encrypt). Defaults to none' },
    { name: 'compress-cutoff-size', type: 'string', value: 'SIZE', description: 'compress payloads at least this large; -1 disables. Defaults to -1 (off)' },
    {
      name: 'queue',
      type: 'string',
      value: 'NAME:CAPACITY[:bounded|circular|:bounded:durable]',
      multiple: true,
      description: 'create a queue at start (repeatable). Defaults to none',
    },
    { name: 'max-queues', type: 'string', value: 'N', description: 'most queues. Defaults to the server default' },
    { name: 'no-client-queue-mgmt', type: 'boolean', description: 'forbid clients to create and remove queues. Defaults to permitted' },
    { name: 'wal-dir', type: 'string', value: 'DIR', description: 'keep durable queues in write-ahead logs in DIR. Defaults to none (no durable queues)' },
    { name: 'wal-compress', type: 'boolean', description: 'compress write-ahead log records (needs --wal-dir). Defaults to off' },
    { name: 'wal-compact', type: 'boolean', description: 'compact the logs at start (needs --wal-dir). Defaults to off' },
    { name: 'wal-salvage', type: 'boolean', description: 'recover past corrupt records instead of failing (needs --wal-dir). Defaults to off' },
    ...SERVE_RESILIENCE_OPTIONS,
    ...SERVE_SECURITY_OPTIONS,
    ...SERVE_OBSERVE_OPTIONS,
    { name: 'cluster', type: 'string', value: 'nats://HOST:PORT[,…]', description: 'share topics and queues with other servers through NATS JetStream (docs/cluster.md). Defaults to none (embedded)' },
    { name: 'cluster-name', type: 'string', value: 'NAME', description: "this node's name in the cluster (needs --cluster). Defaults to <hostname>-<pid>-<random>" },
  ],
  async run({ values: v }) {
    const queues = ((v['queue'] as string[] | undefined) ?? []).map(parseQueueSpec);
    const maxQueues = int(v, 'max-queues');
    const uri = str(v, 'uri');
    const port = portOption(v, 'port', 0);
    if (uri !== undefined && port !== undefined) throw new UsageError('give either --port or --uri');
    const handlerName = str(v, 'handler') ?? 'echo';
    if (handlerName !== 'echo' && handlerName !== 'none') throw new UsageError('--handler must be echo or none');
    const maxConnections = int(v, 'max-connections');
    const heartbeatInterval = int(v, 'heartbeat-interval');
    const maxMessageSize = sizeOption(str(v, 'max-message-size'));
    const cutoff = sizeOption(str(v, 'compress-cutoff-size'));
    const credentials = str(v, 'credentials');
    const authenticator =
      credentials === undefined
        ? undefined
        : await loadAuthenticator(credentials, { allowWorldReadable: v['allow-world-readable-credentials'] === true });
    const walDir = str(v, 'wal-dir');
    if (walDir === undefined && (v['wal-compress'] === true || v['wal-compact'] === true || v['wal-salvage'] === true)) {
      throw new UsageError('--wal-compress, --wal-compact and --wal-salvage need --wal-dir');
    }
    const logger = serveLogger(v);
    const http = httpOption(v);
    const cluster = str(v, 'cluster');
    const clusterName = str(v, 'cluster-name');
    if (cluster === undefined && clusterName !== undefined) throw new UsageError('--cluster-name needs --cluster');
    const opts: ServerOptions = {
      ...http,
      ...(v['no-plain'] === true ? {} : uri !== undefined ? { uri } : { port: port ?? 33333 }),
      ...(handlerName === 'echo' ? { handler: echo } : {}),
      ...(maxConnections !== undefined ? { maxConnections } : {}),
      ...(heartbeatInterval !== undefined ? { heartbeatInterval } : {}),
      ...(maxQueues !== undefined ? { maxQueues } : {}),
      ...(v['no-client-queue-mgmt'] === true ? { permitClientQueueMgmt: false } : {}),
      ...(maxMessageSize !== undefined ? { maxMessageSize } : {}),
      ...(cutoff !== undefined ? { compressCutoffSize: cutoff } : {}),
      ...(v['encrypt'] === true ? { encrypt: true } : {}),
      ...(authenticator !== undefined ? { authenticator } : {}),
      ...serveResilienceOptions(v),
      ...serveSecurityOptions(v),
      ...(walDir !== undefined
        ? {
            walDir,
            walCompress: v['wal-compress'] === true,
            walCompact: v['wal-compact'] === true,
            walSalvage: v['wal-salvage'] === true,
            onWalWarning: (m: string) => logger.log('warn', `write-ahead log: ${m}`),
          }
        : {}),
      // Connection errors are logged by the logger (channel venice-ipc:server:connection-error).
      ...(cluster !== undefined ? { cluster: { servers: cluster, ...(clusterName !== undefined ? { name: clusterName } : {}) } } : {}),
    };
    const server = await createServer(opts).catch((err: unknown) => {
      logger.close();
      throw err;
    });
    try {
      for (const q of queues) await server.createQueue(q.name, { capacity: q.capacity, type: q.type, durable: q.durable });
    } catch (err) {
      await server.close();
      throw err;
    }
    process.stdout.write(`listening on ${server.uri}\n`);
    if (server.tlsUri !== undefined) process.stderr.write(`TLS listening on ${server.tlsUri}\n`);
    if (server.httpUrl !== undefined) logger.notice(`http on ${server.httpUrl}`);
    const stopReload = reloadAclOnSighup(server, str(v, 'acl'));
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
    stopReload();
    await server.close();
    logger.close();
    return EXIT.OK;
  },
};
