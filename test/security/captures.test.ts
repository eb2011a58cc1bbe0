/**
 * The captured Java sessions with encryption and compression, decoded with our codec: the
 * session key from `keys.json` is installed at the point of the key exchange (after the DH
 * request in the client's stream, after the ACK in the server's), as each side does.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SessionCipher } from '../../src/crypto/aes-gcm.js';
import { dhKeyPairFromPrivateKey } from '../../src/crypto/dh.js';
import { ErrorCode, isIpcError, type Message } from '../../src/index.js';
import { messageFromFields } from '../../src/message/message.js';
import { FrameDecoder, type RawFrame } from '../../src/protocol/frame-decoder.js';
import { decodeMetadata } from '../../src/protocol/metadata.js';
import { MessageCodec } from '../../src/transport/message-codec.js';
import { loadCapture, type CapturedMessage } from '../helpers/captures.js';

const dir = new URL('../../../test/fixtures/captures/', import.meta.url);

interface Keys {
  readonly aesKeyHex: string;
  readonly clientPrivateKeyPkcs8B64: string;
}

function keys(scenario: string): Keys {
  return JSON.parse(readFileSync(new URL(`${scenario}.keys.json`, dir), 'utf8')) as Keys;
}

function frames(stream: Buffer): RawFrame[] {
  const out: RawFrame[] = [];
  new FrameDecoder({ maxMetaFrame: 65536, maxPayloadFrame: 1 << 24 }).push(stream, (f) => out.push(f));
  return out;
}

/** Checks that `msg` has every field the independent decode recorded. */
function checkMessage(msg: Message, m: CapturedMessage): void {
  const want = messageFromFields({
    ...decodeMetadata(m.meta),
    timestamp: m.timestamp,
    expiresAtMillis: m.expiresAt,
    timeout: m.timeout,
    data: Buffer.from(m.payloadHex, 'hex'),
  });
  for (const k of ['id', 'type', 'status', 'requestId', 'queueName', 'replyToQueueName', 'mimetype', 'charset'] as const) {
    assert.equal(msg[k], want[k], `${k} of #${m.n}`);
  }
  for (const k of ['oneway', 'durable', 'subscriptionReply', 'timestamp', 'expiresAtMillis', 'timeout'] as const) {
    assert.equal(msg[k], want[k], `${k} of #${m.n}`);
  }
  assert.deepEqual(msg.topics, want.topics);
  assert.equal(msg.data.toString('hex'), m.payloadHex, `payload of #${m.n}`);
}

/**
 * Decodes one direction of a capture. `key` (if any) is installed on the codec right after
 * the message that activates it on this side: the DH request (client stream) or ACK (server).
 */
async function decodeDirection(stream: Buffer, key: Buffer | undefined): Promise<Array<Message | Error>> {
  const codec = new MessageCodec(20 * 1024 * 1024);
  const out: Array<Message | Error> = [];
  for (const f of frames(stream)) {
    try {
      const msg = await codec.decode(f);
      out.push(msg);
      const activates = msg.type === 'DIFFIE_HELLMAN_KEY_REQUEST' || msg.status === 'DIFFIE_HELLMAN_ACK';
      if (activates && key !== undefined) codec.cipher = new SessionCipher(key);
    } catch (err) {
      out.push(err as Error);
    }
  }
  return out;
}

const SESSIONS = [
  { name: 'encrypted-auth.conn1', scenario: 'encrypted-auth', encryptedFrom: 5 },
  { name: 'encrypted-auth-bad.conn2', scenario: 'encrypted-auth-bad', encryptedFrom: 5 },
  { name: 'client-encrypt.conn1', scenario: 'client-encrypt', encryptedFrom: 5 },
  { name: 'compressed.conn1', scenario: undefined, encryptedFrom: Infinity },
] as const;

for (const s of SESSIONS) {
  describe(`capture ${s.name}`, () => {
    const cap = loadCapture(s.name);
    const key = s.scenario === undefined ? undefined : Buffer.from(keys(s.scenario).aesKeyHex, 'hex');

    test('every message in both directions decodes to the captured fields', async () => {
      for (const dir of ['c2s', 's2c'] as const) {
        const expected = cap.messages.filter((m) => m.dir === dir);
        const got = await decodeDirection(cap[dir], key);
        assert.equal(got.length, expected.length);
        got.forEach((msg, i) => {
          const m = expected[i] as CapturedMessage;
          assert.ok(!(msg instanceof Error), `#${m.n}: ${msg instanceof Error ? msg.message : ""}`);
          assert.equal(m.encrypted === 1, m.n >= s.encryptedFrom, `#${m.n} encrypted flag`);
          checkMessage(msg, m);
        });
      }
    });

    test('re-encoding with the same key gives frames of the captured length that decode back', async () => {
      const codec = new MessageCodec(20 * 1024 * 1024);
      for (const dir of ['c2s', 's2c'] as const) {
        const raw = frames(cap[dir]);
        const msgs = await decodeDirection(cap[dir], key);
        for (let i = 0; i < raw.length; i++) {
          const f = raw[i] as RawFrame;
          const msg = msgs[i] as Message;
          codec.cipher = f.encrypted ? new SessionCipher(key as Buffer) : undefined;
          const bytes = Buffer.concat(await codec.encode(msg, { compress: f.compressed }));
          if (!f.compressed) assert.equal(bytes.length, 34 + 8 + f.meta.length + f.payload.length, `${dir} #${i}`);
          const [back] = frames(bytes);
          checkMessage(await codec.decode(back as RawFrame), cap.messages.filter((m) => m.dir === dir)[i] as CapturedMessage);
        }
      }
    });
  });
}

describe('capture encrypted-auth-bad.conn1 (wrong password; its key is not in keys.json)', () => {
  const cap = loadCapture('encrypted-auth-bad.conn1');

  test('the plaintext handshake decodes; the key of the other connection fails with DECRYPT_FAILED', async () => {
    const otherKey = Buffer.from(keys('encrypted-auth-bad').aesKeyHex, 'hex');
    for (const dir of ['c2s', 's2c'] as const) {
      const expected = cap.messages.filter((m) => m.dir === dir);
      const got = await decodeDirection(cap[dir], otherKey);
      assert.equal(got.length, expected.length);
      got.forEach((msg, i) => {
        const m = expected[i] as CapturedMessage;
        if (m.encrypted === 0) return checkMessage(msg as Message, m);
        assert.ok(isIpcError(msg, ErrorCode.DECRYPT_FAILED), `#${m.n} must not decrypt with another connection's key`);
      });
    }
  });
});

test('the captured client key pair and the server key from the ACK derive the captured session key', () => {
  for (const [name, scenario] of [
    ['encrypted-auth.conn1', 'encrypted-auth'],
    ['encrypted-auth-bad.conn2', 'encrypted-auth-bad'],
    ['client-encrypt.conn1', 'client-encrypt'],
  ] as const) {
    const k = keys(scenario);
    const ack = loadCapture(name).messages.find((m) => m.dir === 's2c' && m.meta.split('\n')[5] === '20') as CapturedMessage;
    const pair = dhKeyPairFromPrivateKey(Buffer.from(k.clientPrivateKeyPkcs8B64, 'base64'));
    const serverKey = Buffer.from(ack.payloadHex, 'hex').toString('ascii');
    assert.equal(pair.computeSessionKey(serverKey).toString('hex'), k.aesKeyHex, name);
  }
});
