import { writevSync } from 'node:fs';
import { open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/**
 * The file operations the WAL uses: a seam so tests can inject faults (a failing write or
 * sync, a crash between two steps) and count syncs. {@link nodeFileSystem} is the real one.
 */
export interface WalFileSystem {
  /** Opens a file: `'r'` read-only, `'r+'` read/write existing, `'w'` create or truncate. */
  open(path: string, flags: 'r' | 'r+' | 'w'): Promise<WalFile>;
  /** Reads a whole file. */
  readFile(path: string): Promise<Buffer>;
  /** Names of the entries of a directory. */
  readdir(dir: string): Promise<string[]>;
  /** Renames atomically, replacing `to` if it exists. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file. */
  unlink(path: string): Promise<void>;
  /** fsyncs a directory, making creations, renames and deletions in it durable. */
  syncDir(dir: string): Promise<void>;
}

/** An open file of a {@link WalFileSystem}. */
export interface WalFile {
  /** Writes `buffers` at `position`; resolves with the number of bytes written (may be short). */
  writev(buffers: readonly Uint8Array[], position: number): Promise<number>;
  /**
   * Optional: writes `buffers` at `position` synchronously (into the page cache; no sync) and
   * returns the bytes written. The log uses it for small batches, saving a thread-pool round
   * trip before the `fdatasync`; without it {@link writev} is used.
   */
  writevNow?(buffers: readonly Uint8Array[], position: number): number;
  /** `fdatasync`: makes the written data (and the size) durable. */
  datasync(): Promise<void>;
  /** `fsync`: like {@link datasync} plus all metadata. */
  sync(): Promise<void>;
  /** Sets the file's length. */
  truncate(length: number): Promise<void>;
  /** Closes the file. */
  close(): Promise<void>;
}

class NodeWalFile implements WalFile {
  readonly #fh: FileHandle;
  constructor(fh: FileHandle) {
    this.#fh = fh;
  }
  async writev(buffers: readonly Uint8Array[], position: number): Promise<number> {
    return (await this.#fh.writev(buffers as Uint8Array[], position)).bytesWritten;
  }
  writevNow(buffers: readonly Uint8Array[], position: number): number {
    return writevSync(this.#fh.fd, buffers as Uint8Array[], position);
  }
  datasync(): Promise<void> {
    return this.#fh.datasync();
  }
  sync(): Promise<void> {
    return this.#fh.sync();
  }
  truncate(length: number): Promise<void> {
    return this.#fh.truncate(length);
  }
  close(): Promise<void> {
    return this.#fh.close();
  }
}

/** The real file system (`node:fs/promises`). */
export const nodeFileSystem: WalFileSystem = {
  async open(path, flags) {
    return new NodeWalFile(await open(path, flags));
  },
  readFile: (path) => readFile(path),
  readdir: (dir) => readdir(dir),
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  async syncDir(dir) {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};

/**
 * Largest batch written with {@link WalFile.writevNow} on the event loop (a copy into the page
 * cache: tens of microseconds); larger ones go through the thread pool.
 */
export const MAX_WRITE_NOW_BYTES = 256 * 1024;

/**
 * Writes all of `buffers` at `position`, continuing after short writes. `bytes` (their total
 * length) at most {@link MAX_WRITE_NOW_BYTES} are written synchronously when the file can.
 */
export async function writeFully(file: WalFile, buffers: readonly Uint8Array[], position: number, bytes = Infinity): Promise<void> {
  let rest = buffers.filter((b) => b.length > 0);
  let pos = position;
  const now = bytes <= MAX_WRITE_NOW_BYTES && file.writevNow !== undefined ? file.writevNow.bind(file) : undefined;
  while (rest.length > 0) {
    let n = now !== undefined ? now(rest, pos) : await file.writev(rest, pos);
    if (n <= 0) throw new Error(`write made no progress at offset ${pos}`);
    pos += n;
    const next: Uint8Array[] = [];
    for (const b of rest) {
      if (n >= b.length) n -= b.length;
      else {
        next.push(n > 0 ? b.subarray(n) : b);
        n = 0;
      }
    }
    rest = next;
  }
}
