/** Read-only inspection of a WAL directory, for the CLI (`verify`, `dump`). */
import { join } from 'node:path';
import { ErrorCode, WalError } from '../errors.js';
import { LOG_SUFFIX, ioError, queueOfFile } from './files.js';
import { resolveWalOptions } from './options.js';
import type { WalOptions } from './options.js';
import { analyzeLog } from './scan.js';
import type { Damage, LogAnalysis, LogFormat } from './scan.js';
import type { RecoveredQueue } from './types.js';

/** The verdict on one log file. */
export interface VerifiedLog {
  readonly file: string;
  readonly queue: string;
  readonly format: LogFormat | 'empty';
  /** From CONFIG, if readable. */
  readonly capacity: number | undefined;
  /** Valid records. */
  readonly records: number;
  /** Live DATA records (would be served after a restart). */
  readonly live: number;
  /** DATA records consumed by an ACK. */
  readonly consumed: number;
  /** A torn/zeroed tail that the next open will cut off (harmless). */
  readonly tornTail: { readonly offset: number; readonly bytes: number } | undefined;
  /** Mid-file corruption: every damaged range (the file was scanned to the end). */
  readonly corruption: readonly Damage[];
  /** A problem that prevents reading the log at all (bad header, no CONFIG). */
  readonly fatal: { readonly offset: number; readonly reason: string } | undefined;
  /** Oddities: more live entries than capacity, duplicate ids, … */
  readonly notes: readonly string[];
  /** True when the next open will succeed without salvage. */
  readonly ok: boolean;
}

/** The result of {@link verifyWalDir}. */
export interface VerifyResult {
  /** True when every log is ok. */
  readonly ok: boolean;
  readonly logs: readonly VerifiedLog[];
}

type InspectOptions = Readonly<Partial<Pick<WalOptions, 'fs' | 'maxRecordBytes'>>>;

async function readLogs(dir: string, opts: InspectOptions | undefined, salvage: boolean): Promise<{ file: string; a: LogAnalysis | undefined }[]> {
  const o = resolveWalOptions(opts);
  try {
    const names = (await o.fs.readdir(dir)).filter((n) => n.endsWith(LOG_SUFFIX)).sort();
    const out: { file: string; a: LogAnalysis | undefined }[] = [];
    for (const file of names) {
      const buf = await o.fs.readFile(join(dir, file));
      out.push({ file, a: buf.length === 0 ? undefined : analyzeLog(buf, o.maxRecordBytes, salvage) });
    }
    return out;
  } catch (err) {
    throw ioError(`Cannot read the WAL directory ${dir}`, err);
  }
}

/** Checks every log of `dir` without changing anything (scanning past damage to find all of it). */
export async function verifyWalDir(dir: string, opts?: InspectOptions): Promise<VerifyResult> {
  const logs = (await readLogs(dir, opts, true)).map(({ file, a }): VerifiedLog => {
    const queue = queueOfFile(file);
    if (a === undefined) {
      return { file, queue, format: 'empty', capacity: undefined, records: 0, live: 0, consumed: 0, tornTail: undefined, corruption: [], fatal: undefined, notes: ['empty file (ignored at open)'], ok: true };
    }
    return {
      file,
      queue,
      format: a.format,
      capacity: a.config?.capacity,
      records: a.records,
      live: a.live.length,
      consumed: a.consumed,
      tornTail: a.tail === undefined ? undefined : { offset: a.tail.offset, bytes: a.tail.length },
      corruption: a.damage,
      fatal: a.fatal,
      notes: a.notes,
      ok: a.fatal === undefined && a.damage.length === 0,
    };
  });
  return { ok: logs.every((l) => l.ok), logs };
}

/**
 * The live entries of every log of `dir` (or only of `queue`), as `open` would return them,
 * without changing anything. Rejects with `WAL_CORRUPT` on mid-file damage unless `salvage`.
 */
export async function dumpWalDir(dir: string, queue?: string, opts?: InspectOptions & { readonly salvage?: boolean }): Promise<RecoveredQueue[]> {
  const { salvage = false, ...rest } = opts ?? {};
  const out: RecoveredQueue[] = [];
  for (const { file, a } of await readLogs(dir, rest, salvage)) {
    const name = queueOfFile(file);
    if (a === undefined || (queue !== undefined && name !== queue)) continue;
    const bad = a.fatal ?? (salvage ? undefined : a.damage[0]);
    if (bad !== undefined) {
      throw new WalError(ErrorCode.WAL_CORRUPT, `${join(dir, file)}: ${bad.reason} at byte offset ${bad.offset}`);
    }
    const { capacity, compress } = a.config!;
    out.push({ name, capacity, compress, entries: a.live.map((e) => ({ id: e.id, expiresAt: e.expiresAt, payload: Buffer.from(e.payload) })) });
  }
  return out;
}
