import { decodeStoredMessage, dumpWalDir, verifyWalDir } from '../index.js';
import { parse, str, UsageError, type Command } from './common.js';

/** `venice-ipc wal verify DIR` and `venice-ipc wal dump DIR [--queue NAME]`. */
export const walCommand: Command = {
  name: 'wal',
  usage: 'wal verify DIR | wal dump DIR [--queue NAME]',
  summary: 'check every record of a write-ahead log directory, or print its live messages as JSON lines',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'verify') return verify(rest);
    if (sub === 'dump') return dump(rest);
    throw new UsageError("expected 'verify' or 'dump'");
  },
};

async function verify(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, true);
  const dir = positionals[0];
  if (dir === undefined || positionals.length !== 1) throw new UsageError('wal verify takes one directory');
  const result = await verifyWalDir(dir);
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
      process.stdout.write(`  corruption at offset ${d.offset} (next valid record at ${d.resumeAt}): ${d.reason}\n`);
    }
    if (log.fatal !== undefined) process.stdout.write(`  unreadable at offset ${log.fatal.offset}: ${log.fatal.reason}\n`);
    for (const n of log.notes) process.stdout.write(`  note: ${n}\n`);
  }
  if (result.logs.length === 0) process.stdout.write('no logs\n');
  return result.ok ? 0 : 2;
}

async function dump(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { queue: { type: 'string' } }, true);
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
  return 0;
}
