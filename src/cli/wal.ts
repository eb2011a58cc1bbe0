import { decodeStoredMessage, dumpWalDir, verifyWalDir } from '../index.js';
import { EXIT, jsonOption, str, UsageError, type Command, type Values } from './common.js';

/** `venice-ipc wal verify DIR` and `venice-ipc wal dump DIR [--queue NAME]`. */
export const walCommand: Command = {
  name: 'wal',
  summary: 'check or print a write-ahead log directory',
  subcommands: [
    {
      name: 'verify',
      args: 'DIR',
      summary: 'check every record of a write-ahead log directory; exit 2 when a log is damaged (offsets printed)',
      options: [jsonOption('the whole result as one JSON document')],
      run: ({ values, positionals }) => verify(values, positionals),
    },
    {
      name: 'dump',
      args: 'DIR',
      summary: 'print the live messages of a write-ahead log directory as JSON lines',
      options: [
        { name: 'queue', type: 'string', value: 'NAME', description: 'only the queue NAME. Defaults to every queue' },
        jsonOption('one JSON line per message (NDJSON; the output is the same without it)'),
      ],
      run: ({ values, positionals }) => dump(values, positionals),
    },
  ],
};

async function verify(v: Values, positionals: string[]): Promise<number> {
  const dir = positionals[0];
  if (dir === undefined || positionals.length !== 1) throw new UsageError('wal verify takes one directory');
  const result = await verifyWalDir(dir);
  if (v['json'] === true) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return result.ok ? EXIT.OK : EXIT.EMPTY;
  }
  for (const log of result.logs) {
    const cap = log.capacity === undefined ? '?' : String(log.capacity);
    process.stdout.write(
      `${log.queue} (${log.file}, ${log.format}, capacity ${cap}): ${log.records} records, ${log.live} live, ${log.consumed} consumed` +
        `${log.ok ? '' : ' — CORRUPT'}\n`,
    );
    if (log.tornTail !== undefined) {
      process.stdout.write(`  torn tail at offset ${log.tornTail.offset} (${log.tornTail.bytes} bytes; cut off at the next start)\n`);
    }
    for (const d of log.corruption) {
      const where = d.lastRecord === true ? 'the complete last record, not a torn tail' : `next valid record at ${d.resumeAt}`;
      process.stdout.write(`  corruption at offset ${d.offset} (${where}): ${d.reason}\n`);
    }
    if (log.fatal !== undefined) process.stdout.write(`  unreadable at offset ${log.fatal.offset}: ${log.fatal.reason}\n`);
    for (const n of log.notes) process.stdout.write(`  note: ${n}\n`);
  }
  if (result.logs.length === 0) process.stdout.write('no logs\n');
  return result.ok ? EXIT.OK : EXIT.EMPTY;
}

async function dump(values: Values, positionals: string[]): Promise<number> {
  const dir = positionals[0];
  if (dir === undefined || positionals.length !== 1) throw new UsageError('wal dump takes one directory');
  for (const q of await dumpWalDir(dir, str(values, 'queue'))) {
    for (const e of q.entries) {
      let message: unknown;
      try {
        const m = decodeStoredMessage(e.payload);
        message = { id: m.id, ...m.toObject(), 'reply-to-queue-name': m.replyToQueueName };
      } catch (err) {
        message = { undecodable: (err as Error).message, bytes: e.payload.length };
      }
      process.stdout.write(JSON.stringify({ queue: q.name, id: e.id, expiresAt: e.expiresAt, message }) + '\n');
    }
  }
  return EXIT.OK;
}
