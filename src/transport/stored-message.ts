import { ErrorCode, ProtocolError } from '../errors.js';
import type { Message } from '../message/message.js';
import { FrameDecoder, type RawFrame } from '../protocol/frame-decoder.js';
import { MAX_MESSAGE_SIZE_LIMIT, MessageCodec } from './message-codec.js';

/**
 * Messages at rest (write-ahead log DATA records): the message serialised exactly as on the
 * wire, plaintext and without message-level compression (SEMANTICS §6.4), so Venice logs and
 * ours store the same bytes.
 */
const codec = new MessageCodec(MAX_MESSAGE_SIZE_LIMIT);

/** Serialises a message in plaintext wire format (header flags 0,0). */
export function encodeStoredMessage(msg: Message): Buffer {
  const bufs = codec.encode(msg, { compress: false, plaintext: true }) as Buffer[];
  return bufs.length === 1 ? (bufs[0] as Buffer) : Buffer.concat(bufs);
}

/** Parses one plaintext wire message; a ProtocolError when the bytes are not exactly one message. */
export function decodeStoredMessage(bytes: Uint8Array): Message {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dec = new FrameDecoder(codec.frameLimits());
  const frames: RawFrame[] = [];
  dec.push(buf, (f) => frames.push(f));
  const f = frames[0];
  if (frames.length !== 1 || f === undefined || dec.midMessage) {
    throw new ProtocolError(ErrorCode.BAD_METADATA, `A stored message must hold exactly one message (found ${frames.length})`);
  }
  if (f.encrypted) throw new ProtocolError(ErrorCode.BAD_FLAG, 'A stored message must not be encrypted');
  const m = codec.decode(f);
  if (m instanceof Promise) throw new ProtocolError(ErrorCode.INTERNAL, 'unexpected async decode of a stored message');
  return m;
}
