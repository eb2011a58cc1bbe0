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

/** Writes all of `buffers` at `position`, continuing after short writes. */
export async function writeFully(file: WalFile, buffers: readonly Uint8Array[], position: number): Promise<void> {
  let rest = buffers.filter((b) => b.length > 0);
  let pos = position;
  while (rest.length > 0) {
    let n = await file.writev(rest, pos);
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
