/**
 * Memory held by connections that announce the maximum frame size and stall, measured as the
 * RSS of a `venice-ipc serve` child process (so the test process's own memory does not count).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, parseUri, plainTextMessage } from '../../src/index.js';
import { startCliServer, type CliServer } from '../helpers/cli.js';
import { buildFrame, clientConfigFrame, metaText } from '../helpers/frames.js';

const CONNECTIONS = 60;
const MAX = 20 * 1024 * 1024; // the default maximum message size

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error('no VmRSS');
  return Number(m[1]) * 1024;
}

function open(uri: string): Promise<Socket> {
  const e = parseUri(uri);
  if (e.kind !== 'inet') throw new Error('inet expected');
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: e.host, port: e.port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Round trips on a fresh client: the server has read what was written before them. */
async function settle(server: CliServer, credentials?: { userName: string; password: string }): Promise<void> {
  await using c = await connect({ uri: server.uri, ...credentials });
  for (let i = 0; i < 3; i++) await c.send(plainTextMessage('1', 't', 'x'));
}

async function stallAndMeasure(server: CliServer, prefix: Buffer | undefined, body: number, credentials?: { userName: string; password: string }): Promise<number> {
  await settle(server, credentials);
  const before = rssOf(server.child.pid as number);
  const sockets: Socket[] = [];
  const frame = buildFrame({ meta: metaText(), payload: Buffer.alloc(body, 0x61), payloadLength: MAX });
  for (let i = 0; i < CONNECTIONS; i++) {
    const s = await open(server.uri);
    s.on('error', () => undefined);
    if (prefix !== undefined) s.write(prefix);
    await new Promise<void>((r) => s.write(frame, () => r()));
    sockets.push(s);
  }
  await settle(server, credentials);
  const after = rssOf(server.child.pid as number);
  for (const s of sockets) s.destroy();
  return (after - before) / CONNECTIONS;
}

test(`${CONNECTIONS} connections announcing the maximum frame and stalling hold < 1 MiB each (RSS of a child server)`, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vipc-mem-'));
  try {
    // Before authentication (--encrypt --credentials): the pre-handshake limit refuses the length at once.
    const creds = join(dir, 'users.properties');
    const { createAuthenticator } = await import('../../src/auth/authenticator.js');
    await (await createAuthenticator({ tom: '3,kio' })).store(creds);
    {
      await using server = await startCliServer(['--port', '0', '--max-connections', '70', '--encrypt', '--credentials', creds]);
      const perConn = await stallAndMeasure(server, undefined, 0, { userName: 'tom', password: '3,kio' });
      t.diagnostic(`before authentication: ${(perConn / 1024).toFixed(1)} KiB RSS per connection`);
      assert.ok(perConn < 1024 * 1024, `before authentication: ${(perConn / 1024).toFixed(0)} KiB per connection`);
    }
    // After CLIENT_CONFIG on an open server: 64 KiB of a 20 MiB message arrive, then nothing.
    {
      await using server = await startCliServer(['--port', '0', '--max-connections', '70']);
      const perConn = await stallAndMeasure(server, clientConfigFrame(), 64 * 1024);
      t.diagnostic(`after the handshake: ${(perConn / 1024).toFixed(1)} KiB RSS per connection`);
      assert.ok(perConn < 1024 * 1024, `after the handshake: ${(perConn / 1024).toFixed(0)} KiB per connection`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
