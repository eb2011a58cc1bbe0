import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { connect, jsonMessage, plainTextMessage, type Message } from '../../src/index.js';
import { collector, decodeStream, encode, fixture, harness, recordingProxy, splitMessages, within } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Raw messages of a stream paired with their decoded form, CLIENT_CONFIG exchanges left out. */
function pubsubMessages(stream: Buffer): Array<{ raw: Buffer; msg: Message }> {
  const raws = splitMessages(stream);
  const msgs = decodeStream(stream);
  return msgs.map((msg, i) => ({ raw: raws[i] as Buffer, msg })).filter((x) => x.msg.topic !== 'client-config');
}

/** Our bytes must equal the Java bytes once the per-run values (id, timestamp, endpoint uuid) are swapped in. */
function assertSameBytes(ours: { raw: Buffer; msg: Message }, java: { msg: Message }, what: string, swapData = false): void {
  const expected = encode(java.msg.with({ id: ours.msg.id, timestamp: ours.msg.timestamp, ...(swapData ? { data: ours.msg.data } : {}) }));
  assert.equal(ours.raw.toString('hex'), expected.toString('hex'), what);
}

test('our client and server produce the bytes of the publish capture (ids, timestamps and endpoint uuid aside)', async () => {
  await using h = await harness();
  await using proxy = await recordingProxy(h.server.endpoint.kind === 'inet' ? h.server.endpoint.port : 0);
  const subscriber = await connect({ port: proxy.port });
  const publisher = await connect({ port: proxy.port });
  const got = collector();
  try {
    const sub = await subscriber.subscribe('news', got.handler);
    await publisher.publish(plainTextMessage('14', 'news', 'breaking'));
    await publisher.publish(jsonMessage('15', 'news', { n: 1 }));
    await publisher.publish(plainTextMessage('16', 'other', 'not subscribed'));
    await within(got.waitFor(2), 5000, 'two pushes');
    await sub.unsubscribe();
  } finally {
    await subscriber.close();
    await publisher.close();
  }
  const sub = proxy.streams(0);
  const pub = proxy.streams(1);
  const javaSub = { c2s: pubsubMessages(fixture('publish.conn2.c2s.bin')), s2c: pubsubMessages(fixture('publish.conn2.s2c.bin')) };
  const javaPub = { c2s: pubsubMessages(fixture('publish.conn1.c2s.bin')), s2c: pubsubMessages(fixture('publish.conn1.s2c.bin')) };
  const ours = { subC2s: pubsubMessages(sub.c2s), subS2c: pubsubMessages(sub.s2c), pubC2s: pubsubMessages(pub.c2s), pubS2c: pubsubMessages(pub.s2c) };

  // Subscriber → server: SUBSCRIBE and UNSUBSCRIBE carrying one endpoint uuid.
  assert.deepEqual(ours.subC2s.map((x) => x.msg.type), ['SUBSCRIBE', 'UNSUBSCRIBE']);
  const [s0, s1] = ours.subC2s as [{ raw: Buffer; msg: Message }, { raw: Buffer; msg: Message }];
  assert.match(s0.msg.text, UUID);
  assert.equal(s1.msg.text, s0.msg.text, 'one endpoint id per client object');
  ours.subC2s.forEach((x, i) => assertSameBytes(x, javaSub.c2s[i]!, `subscriber request ${i}`, true));

  // Server → subscriber: SUBSCRIBE answer, two pushes (publisher's id and timestamp), UNSUBSCRIBE answer.
  assert.deepEqual(ours.subS2c.map((x) => [x.msg.type, x.msg.subscriptionReply]), [['RESPONSE', false], ['REQUEST', true], ['REQUEST', true], ['RESPONSE', false]]);
  const publishes = ours.pubC2s.map((x) => x.msg);
  assert.equal(ours.subS2c[0]!.msg.id, s0.msg.id);
  assert.equal(ours.subS2c[3]!.msg.id, s1.msg.id);
  for (const [i, push] of [ours.subS2c[1]!, ours.subS2c[2]!].entries()) {
    assert.equal(push.msg.id, publishes[i]!.id, 'a push carries the PUBLISH id');
    assert.equal(push.msg.timestamp, publishes[i]!.timestamp, 'and the publisher timestamp');
  }
  ours.subS2c.forEach((x, i) => assertSameBytes(x, javaSub.s2c[i]!, `server message ${i} to the subscriber`));

  // Publisher ↔ server: three PUBLISH requests and their answers.
  assert.deepEqual(publishes.map((m) => [m.type, m.oneway, m.requestId]), [['PUBLISH', false, '14'], ['PUBLISH', false, '15'], ['PUBLISH', false, '16']]);
  ours.pubC2s.forEach((x, i) => assertSameBytes(x, javaPub.c2s[i]!, `PUBLISH ${i}`));
  assert.ok(ours.pubS2c.every((x) => x.msg.text === 'Message has been enqued to publish.'));
  ours.pubS2c.forEach((x, i) => assertSameBytes(x, javaPub.s2c[i]!, `PUBLISH answer ${i}`));
});

function rawSocket(port: number): Promise<{ socket: Socket; read(n: number): Promise<Buffer[]> }> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port, host: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    let want: { n: number; resolve(b: Buffer[]): void } | undefined;
    const check = (): void => {
      if (want === undefined) return;
      const n = countWhole(buf);
      if (n < want.n) return;
      const parts = splitMessages(buf).slice(0, want.n);
      buf = buf.subarray(parts.reduce((a, b) => a + b.length, 0));
      const w = want;
      want = undefined;
      w.resolve(parts);
    };
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      check();
    });
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        socket,
        read: (n) =>
          new Promise((res) => {
            want = { n, resolve: res };
            check();
          }),
      }),
    );
  });
}

function countWhole(b: Buffer): number {
  let n = 0;
  let off = 0;
  while (off + 42 <= b.length) {
    const metaLen = b.readInt32BE(off + 34);
    if (off + 42 + metaLen > b.length) break;
    const end = off + 42 + metaLen + b.readInt32BE(off + 38 + metaLen);
    if (end > b.length) break;
    n++;
    off = end;
  }
  return n;
}

for (const scenario of ['publish', 'full-scenario']) {
  test(`replaying the Java client bytes of ${scenario}: our pushes equal the Java server's byte for byte`, async () => {
    await using h = await harness();
    const port = h.server.endpoint.kind === 'inet' ? h.server.endpoint.port : 0;
    const subIn = splitMessages(fixture(`${scenario}.conn2.c2s.bin`));
    const subOut = splitMessages(fixture(`${scenario}.conn2.s2c.bin`));
    const sub = await rawSocket(port);
    try {
      sub.socket.write(Buffer.concat([subIn[0]!, subIn[1]!])); // CLIENT_CONFIG, SUBSCRIBE news
      const [, subscribed] = await within(sub.read(2), 5000, 'the SUBSCRIBE answer');
      const [ours, java] = [decodeStream(subscribed!)[0]!, decodeStream(subOut[1]!)[0]!];
      assert.equal(subscribed!.toString('hex'), encode(java.with({ timestamp: ours.timestamp })).toString('hex'));
      // Publish the captured PUBLISH requests (same ids/timestamps) from another connection.
      const publishes = decodeStream(fixture(`${scenario}.conn1.c2s.bin`)).filter((m) => m.type === 'PUBLISH');
      const publisher = await h.client();
      for (const p of publishes) {
        const res = await publisher.publish(p);
        assert.equal(res.text, 'Message has been enqued to publish.');
      }
      const pushes = await within(sub.read(2), 5000, 'two pushes');
      // Same PUBLISH bytes in → exactly the Java pushes out.
      assert.equal(pushes[0]!.toString('hex'), subOut[2]!.toString('hex'));
      assert.equal(pushes[1]!.toString('hex'), subOut[3]!.toString('hex'));
      sub.socket.write(subIn[2]!); // UNSUBSCRIBE news
      const [unsubscribed] = await within(sub.read(1), 5000, 'the UNSUBSCRIBE answer');
      const javaUnsub = decodeStream(subOut[4]!)[0]!;
      const mineUnsub = decodeStream(unsubscribed!)[0]!;
      assert.equal(unsubscribed!.toString('hex'), encode(javaUnsub.with({ timestamp: mineUnsub.timestamp })).toString('hex'));
      assert.equal(h.pubsub.subscriberCount('news'), 0);
    } finally {
      sub.socket.destroy();
    }
  });
}
