import { connect as netConnect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from '../../src/index.js';

/** A raw socket to the server, for writing hand-built bytes. */
export function rawSocket(server: Server): Promise<Socket> {
  const e = server.endpoint;
  return new Promise((resolve, reject) => {
    const s = e.kind === 'unix' ? netConnect(e.path) : netConnect({ host: e.host, port: e.port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves when the socket is closed by the peer (or rejects after `ms`). */
export function closedWithin(s: Socket, ms = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.destroyed) return resolve();
    const t = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
    s.on('error', () => undefined);
    s.resume();
    s.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Collects everything the peer sends until it closes. */
export function readAll(s: Socket, ms = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const t = setTimeout(() => reject(new Error('timeout reading')), ms);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => undefined);
    s.once('close', () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** A temporary directory for Unix socket paths, removed by `cleanup`. */
export function tempSocketPath(): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vipc-'));
  return { path: join(dir, 's.sock'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Waits until `pred()` is true, checking on every event-loop turn, for at most `ms`. */
export async function until(pred: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}
