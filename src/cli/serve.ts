import { createServer, type Handler, type ServerOptions } from '../index.js';
import { int, parse, str, UsageError, type Command } from './common.js';

const echo: Handler = (m) => m;

/** `venice-ipc serve`: runs a server until SIGINT/SIGTERM. */
export const serveCommand: Command = {
  name: 'serve',
  usage:
    'serve [--port N | --uri URI] [--handler echo|none] [--max-message-size SIZE] [--max-connections N] [--heartbeat-interval S]',
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
    });
    const uri = str(v, 'uri');
    const port = int(v, 'port');
    if (uri !== undefined && port !== undefined) throw new UsageError('give either --port or --uri');
    const handlerName = str(v, 'handler') ?? 'echo';
    if (handlerName !== 'echo' && handlerName !== 'none') throw new UsageError('--handler must be echo or none');
    const maxConnections = int(v, 'max-connections');
    const heartbeatInterval = int(v, 'heartbeat-interval');
    const maxMessageSize = str(v, 'max-message-size');
    const opts: ServerOptions = {
      ...(uri !== undefined ? { uri } : { port: port ?? 33333 }),
      ...(handlerName === 'echo' ? { handler: echo } : {}),
      ...(maxConnections !== undefined ? { maxConnections } : {}),
      ...(heartbeatInterval !== undefined ? { heartbeatInterval } : {}),
      ...(maxMessageSize !== undefined ? { maxMessageSize: /^[0-9]+$/.test(maxMessageSize) ? Number(maxMessageSize) : maxMessageSize } : {}),
      onConnectionError: (err, info) => {
        const code = (err as { code?: string }).code ?? 'ERROR';
        process.stderr.write(`connection ${info.connectionId} (${info.remote}) closed: ${code}: ${err.message}\n`);
      },
    };
    const server = await createServer(opts);
    process.stdout.write(`listening on ${server.uri}\n`);
    if (v['hint'] === true) {
      process.stderr.write(
        `Try it from another terminal:\n  npx venice-ipc send --uri ${server.uri} --text hello\nStop with Ctrl-C.\n`,
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
