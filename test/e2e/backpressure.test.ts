import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { createServer } from '../../src/index.js';
import { buildFrame, clientConfigFrame, metaText } from '../helpers/frames.js';
import { rawSocket, until } from '../helpers/net.js';

interface SessionView {
  connection: { outboundBytes: number; socket: Socket };
}

test('a peer that never reads its responses stops being read; server memory stays bounded', async () => {
  await using server = await createServer({ port: 0, handler: (m) => m, maxMessageSize: '2MB' });
  const sessions = (server as unknown as { sessions: Set<SessionView> }).sessions;
  const s = await rawSocket(server);
  s.pause(); // never read what the server sends
  s.write(clientConfigFrame()); // large frames are accepted only after CLIENT_CONFIG
  const payload = Buffer.alloc(1024 * 1024, 1);
  for (let i = 0; i < 48; i++) s.write(buildFrame({ meta: metaText({ id: randomUUID() }), payload }));
  // 48 MB of echo requests: the server's outbound buffer passes its 8 MB high-water mark and
  // it stops reading from this peer.
  await until(() => [...sessions].some((x) => x.connection.socket.isPaused()), 10_000, 'server pauses reading');
  const sess = [...sessions][0] as SessionView;
  assert.ok(sess.connection.outboundBytes < 16 * 1024 * 1024, `outbound ${sess.connection.outboundBytes} bytes`);
  assert.ok(server.stats.messageCount < 48, `server read only ${server.stats.messageCount} of 48 requests so far`);
  // Once the peer reads again, everything is answered.
  let bytes = 0;
  s.on('data', (c: Buffer) => (bytes += c.length));
  s.resume();
  await until(() => server.stats.messageCount === 48 && bytes >= 48 * payload.length, 20_000, 'all answered');
  s.destroy();
});
