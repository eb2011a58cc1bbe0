/** Test helpers for the WAL: temp dirs, a fault-injecting file system, a Venice log builder. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { TestContext } from 'node:test';
import { nodeFileSystem } from '../../src/wal/index.js';
import type { WalFile, WalFileSystem } from '../../src/wal/index.js';

/** A fresh temporary directory, removed when the test ends. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vipc-wal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Bitwise CRC-32 (IEEE), independent of the production table version. */
export function slowCrc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** File operations a {@link FaultFs} can fail. */
export type FsOp = 'open' | 'writev' | 'datasync' | 'sync' | 'truncate' | 'rename' | 'unlink' | 'syncDir' | 'readFile';

/** One recorded file-system event. */
export interface FsEvent {
  readonly op: FsOp | 'datasync-done';
  readonly path: string;
  readonly data?: Buffer;
}

/**
 * Wraps the real file system: records every call, fails the `nth` call (1-based, counted
 * from arming) of an operation, and can hold every `datasync` until released.
 */
export class FaultFs implements WalFileSystem {
  readonly events: FsEvent[] = [];
  #fail: { op: FsOp; nth: number; partial: boolean; pathIncludes: string | undefined } | undefined;
  #count = 0;
  #gate: Promise<void> | undefined;
  #release: (() => void) | undefined;

  /** Makes the `nth` next `op` fail; with `partial`, a write writes half its bytes first. */
  failOn(op: FsOp, nth = 1, opts: { partial?: boolean; pathIncludes?: string } = {}): void {
    this.#fail = { op, nth, partial: opts.partial ?? false, pathIncludes: opts.pathIncludes };
    this.#count = 0;
  }

  /** Holds every datasync until {@link release} is called. */
  hold(): void {
    this.#gate = new Promise((resolve) => (this.#release = resolve));
  }

  release(): void {
    this.#release?.();
    this.#gate = undefined;
  }

  count(op: FsEvent['op']): number {
    return this.events.filter((e) => e.op === op).length;
  }

  /** Records the call and throws if it is the one to fail. */
  check(op: FsOp, path: string, data?: Buffer): boolean {
    this.events.push(data === undefined ? { op, path } : { op, path, data });
    const f = this.#fail;
    if (f === undefined || f.op !== op || (f.pathIncludes !== undefined && !path.includes(f.pathIncludes))) return false;
    if (++this.#count !== f.nth) return false;
    this.#fail = undefined;
    if (f.partial) return true;
    throw Object.assign(new Error(`injected ${op} failure on ${path}`), { code: 'EIO' });
  }

  async open(path: string, flags: 'r' | 'r+' | 'w'): Promise<WalFile> {
    this.check('open', path);
    const inner = await nodeFileSystem.open(path, flags);
    return {
      writev: async (buffers, position) => {
        const data = Buffer.concat(buffers);
        if (this.check('writev', path, data)) {
          await inner.writev([data.subarray(0, data.length >> 1)], position);
          throw Object.assign(new Error(`injected short write on ${path}`), { code: 'ENOSPC' });
        }
        return inner.writev([data], position);
      },
      datasync: async () => {
        this.check('datasync', path);
        await this.#gate;
        await inner.datasync();
        this.events.push({ op: 'datasync-done', path });
      },
      sync: async () => {
        this.check('sync', path);
        await inner.sync();
      },
      truncate: async (len) => {
        this.check('truncate', path);
        await inner.truncate(len);
      },
      close: () => inner.close(),
    };
  }
  async readFile(path: string): Promise<Buffer> {
    this.check('readFile', path);
    return nodeFileSystem.readFile(path);
  }
  readdir(dir: string): Promise<string[]> {
    return nodeFileSystem.readdir(dir);
  }
  async rename(from: string, to: string): Promise<void> {
    this.check('rename', from);
    await nodeFileSystem.rename(from, to);
  }
  async unlink(path: string): Promise<void> {
    this.check('unlink', path);
    await nodeFileSystem.unlink(path);
  }
  async syncDir(dir: string): Promise<void> {
    this.check('syncDir', dir);
    await nodeFileSystem.syncDir(dir);
  }
}

/** A Venice record (SEMANTICS §6.4), built by hand. */
export function veniceRecord(r: { lsn: number; type: 0 | 1 | 2; uuid: string; payload: Buffer; compressed?: boolean }): Buffer {
  const payload = r.compressed === true ? gzipSync(r.payload) : r.payload;
  const h = Buffer.alloc(52);
  h.writeUInt32BE(0xcafebabe, 0);
  h.writeBigInt64BE(BigInt(r.lsn), 4);
  h.writeInt32BE(r.type, 12);
  Buffer.from(r.uuid.replaceAll('-', ''), 'hex').copy(h, 16);
  h.writeBigInt64BE(-1n, 32);
  h.writeInt32BE(r.compressed === true ? 1 : 0, 40);
  h.writeInt32BE(payload.length, 44);
  h.writeUInt32BE(slowCrc32(payload), 48);
  return Buffer.concat([h, payload]);
}

/** Venice CONFIG payload: capacity, type 0, compress flag. */
export function veniceConfig(capacity: number, compress: boolean): Buffer {
  const b = Buffer.alloc(12);
  b.writeInt32BE(capacity, 0);
  b.writeInt32BE(compress ? 1 : 0, 8);
  return b;
}

/** A deterministic UUID string for test entry `i`. */
export function uuid(i: number): string {
  const h = (0x10000000 + i).toString(16).padStart(8, '0');
  return `${h}-0000-4000-8000-${h}0000`;
}

/** A wire-looking payload (starts with `76 6e`) of about `size` bytes. */
export function payload(i: number, size = 100): Buffer {
  const b = Buffer.alloc(size, 0x61 + (i % 26));
  b[0] = 0x76;
  b[1] = 0x6e;
  b.writeUInt32BE(i, 2);
  return b;
}
