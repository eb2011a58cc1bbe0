import { TextDecoder } from 'node:util';
import {
  ASYNC_GUNZIP_OUTPUT_THRESHOLD,
  gunzipCapped,
  gunzipCappedAsync,
  gzip,
  gzipAsync,
  shouldUseAsyncGunzip,
  shouldUseAsyncGzip,
} from '../compress/gzip.js';
import { GCM_OVERHEAD, type SessionCipher } from '../crypto/aes-gcm.js';
import { CodecError, ErrorCode, MessageError, ProtocolError } from '../errors.js';
import { markHeaderOutOfRange, messageFromFields, ownPayload, type Message } from '../message/message.js';
import { HEADER_SIZE, type Header } from '../protocol/header.js';
import { encodeFrames, headerBytes } from '../protocol/frame-encoder.js';
import type { FrameLimits, RawFrame } from '../protocol/frame-decoder.js';
import { decodeMetadataBytes, encodeMetadata } from '../protocol/metadata.js';

/** Largest meta frame accepted (12 short lines; generous for long request ids). */
export const MAX_META_FRAME = 64 * 1024 + GCM_OVERHEAD;
/** Hard upper bound of a message size (WIRE §12: 250 MiB). */
export const MAX_MESSAGE_SIZE_LIMIT = 262_144_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The metadata text; ProtocolError(BAD_METADATA) when it is not valid UTF-8. */
function utf8Text(b: Buffer): string {
  try {
    return utf8.decode(b);
  } catch (err) {
    throw new ProtocolError(ErrorCode.BAD_METADATA, 'The message meta data is not valid UTF-8', { cause: err });
  }
}

/** Per-message encoding choices. */
export interface EncodeOptions {
  /** Force (true) or forbid (false) compression; default: the cutoff rule. */
  readonly compress?: boolean;
  /** Send without encryption even when a session key is active (the DH response). */
  readonly plaintext?: boolean;
  /**
   * The same message goes to many connections (pub/sub pushes): when it leaves unencrypted and
   * uncompressed, encode it once and share the bytes between connections.
   */
  readonly shared?: boolean;
}

/** Plaintext, uncompressed encodings of shared messages (pushes), computed once per message. */
const sharedPlain = new WeakMap<Message, Buffer[]>();
/** Shared by every codec: an idle connection holds no buffer of its own (issue 11). */
const NO_META = Buffer.alloc(0);

/**
 * Turns messages into wire bytes and back for one connection, applying the payload transforms
 * in the fixed order of WIRE §2.4: compress, then encrypt (and the reverse on receipt).
 * Holds the connection's codec state: session cipher, compression cutoff, size limit.
 */
export class MessageCodec {
  /** Active AES-GCM session cipher; once set, plaintext frames are rejected. */
  cipher: SessionCipher | undefined;
  /** Compression cutoff in bytes; -1 = never (WIRE §6). */
  compressCutoff = -1;
  /**
   * Small payloads copied out of a socket chunk get a buffer of their own size (true: the
   * server, whose queues keep messages) or share Node's buffer pool (false: clients; cheaper),
   * see `ownPayload`.
   */
  exactPayloads = true;
  #maxMessageSize: number;
  // One-entry cache: checkSize() and then encode() of the same (immutable) message encode the
  // metadata once.
  #metaOf: Message | undefined;
  #metaBytes: Buffer = NO_META;

  constructor(maxMessageSize: number) {
    this.#maxMessageSize = maxMessageSize;
  }

  /** The maximum payload size this side accepts. */
  get maxMessageSize(): number {
    return this.#maxMessageSize;
  }

  set maxMessageSize(n: number) {
    this.#maxMessageSize = n;
  }

  /** Frame limits for the decoder: payload frames may exceed the max by GZIP/GCM overhead. */
  frameLimits(): FrameLimits {
    const max = this.#maxMessageSize;
    return { maxMetaFrame: MAX_META_FRAME, maxPayloadFrame: max + Math.ceil(max / 1000) + 1024 + GCM_OVERHEAD };
  }

  /** Bytes a message occupies for the size limit: 34 + meta + payload (WIRE §2.5). */
  static sizeOf(msg: Message): number {
    return HEADER_SIZE + Buffer.byteLength(encodeMetadata(msg), 'utf8') + msg.data.length;
  }

  /** Throws MessageError(MESSAGE_TOO_LARGE) when `msg` exceeds the limit (Java's two checks). */
  checkSize(msg: Message): void {
    const max = this.#maxMessageSize;
    if (msg.data.length > max) {
      throw new MessageError(ErrorCode.MESSAGE_TOO_LARGE, `The message (${msg.data.length}B) is too large! The limit is at ${max}B`);
    }
    const total = HEADER_SIZE + this.#meta(msg).length + msg.data.length;
    if (total > max) {
      throw new MessageError(
        ErrorCode.MESSAGE_TOO_LARGE,
        `The message size exceeds the configured limit! Limit: ${max}B, total: ${total}B (header ${HEADER_SIZE}B, ` +
          `meta ${total - HEADER_SIZE - msg.data.length}B, payload ${msg.data.length}B)`,
      );
    }
  }

  /**
   * Encodes a message. Returns the buffers synchronously unless the payload is large enough
   * to be compressed off the event loop. The cipher is captured now, so a key installed later
   * does not affect this message.
   */
  encode(msg: Message, opts: EncodeOptions = {}): Buffer[] | Promise<Buffer[]> {
    const cipher = opts.plaintext === true ? undefined : this.cipher;
    const compress = opts.compress ?? (this.compressCutoff >= 0 && msg.data.length >= this.compressCutoff);
    if (opts.shared === true && cipher === undefined && !compress) {
      let bufs = sharedPlain.get(msg);
      if (bufs === undefined) {
        bufs = finish(msg, Buffer.from(encodeMetadata(msg), 'utf8'), msg.data, false, undefined);
        sharedPlain.set(msg, bufs);
      }
      return bufs;
    }
    const meta = this.#meta(msg);
    this.#metaOf = undefined; // do not keep the message (and its payload) alive
    this.#metaBytes = NO_META; // nor a slice of the shared buffer pool (which pins 8 KiB)
    if (!compress) return finish(msg, meta, msg.data, false, cipher);
    if (shouldUseAsyncGzip(msg.data.length)) {
      return gzipAsync(msg.data).then((z) => finish(msg, meta, z, true, cipher));
    }
    return finish(msg, meta, gzip(msg.data), true, cipher);
  }

  /** The UTF-8 metadata frame body of `msg` (cached for the last message). */
  #meta(msg: Message): Buffer {
    if (this.#metaOf === msg) return this.#metaBytes;
    const bytes = Buffer.from(encodeMetadata(msg), 'utf8');
    this.#metaOf = msg;
    this.#metaBytes = bytes;
    return bytes;
  }

  /**
   * Decodes a raw frame into a message: decrypt, gunzip (capped at the max size), parse the
   * metadata. Throws (or rejects) with a coded error that must close the connection.
   */
  decode(frame: RawFrame): Message | Promise<Message> {
    const cipher = this.cipher;
    if (cipher !== undefined && !frame.encrypted) {
      throw new ProtocolError(ErrorCode.ENCRYPTION_REQUIRED, 'Received an unencrypted message but encryption is mandatory!');
    }
    if (cipher === undefined && frame.encrypted) {
      throw new CodecError(ErrorCode.DECRYPT_FAILED, 'Received an encrypted message but no session key was exchanged');
    }
    const metaBytes = cipher === undefined ? frame.meta : cipher.decrypt(frame.meta, frame.headerBytes);
    const meta = decodeMetadataBytes(metaBytes, utf8Text);
    const payload = cipher === undefined ? frame.payload : cipher.decrypt(frame.payload);
    // Fields are listed one by one: in V8 (Node 20) `{ ...meta, more }` costs microseconds per message.
    const build = (data: Buffer): Message => {
      const m = messageFromFields({
        id: meta.id,
        type: meta.type,
        status: meta.status,
        oneway: meta.oneway,
        durable: meta.durable,
        subscriptionReply: meta.subscriptionReply,
        timestamp: frame.timestamp,
        expiresAtMillis: frame.expiresAt,
        timeout: frame.timeout,
        requestId: meta.requestId,
        topics: meta.topics,
        queueName: meta.queueName,
        replyToQueueName: meta.replyToQueueName,
        mimetype: meta.mimetype,
        charset: meta.charset,
        data,
      });
      if (frame.outOfRange !== undefined) markHeaderOutOfRange(m, frame.outOfRange);
      return m;
    };
    if (!frame.compressed) return build(ownPayload(payload, this.exactPayloads));
    const max = this.#maxMessageSize;
    // The worst case decides (a hostile peer controls the ratio): see shouldUseAsyncGunzip.
    if (!shouldUseAsyncGunzip(payload.length, max)) return build(gunzipCapped(payload, max));
    // Most payloads inflate to far less than the worst case. Try a sync inflate capped just
    // under the async threshold (bounded blocking, as the rule intends; no thread-pool round
    // trip for a 5 KB message); only a larger output is inflated again, on the pool.
    const syncCap = ASYNC_GUNZIP_OUTPUT_THRESHOLD - 1;
    try {
      return build(gunzipCapped(payload, syncCap));
    } catch (err) {
      if (!(err instanceof CodecError && err.code === ErrorCode.DECOMPRESSED_TOO_LARGE)) throw err;
    }
    return gunzipCappedAsync(payload, max).then(build);
  }
}

function finish(msg: Message, meta: Buffer, payload: Buffer, compressed: boolean, cipher: SessionCipher | undefined): Buffer[] {
  const header: Header = {
    compressed,
    encrypted: cipher !== undefined,
    timestamp: msg.timestamp,
    expiresAt: msg.expiresAtMillis,
    timeout: msg.timeout,
  };
  if (cipher === undefined) return encodeFrames(header, meta, payload);
  return encodeFrames(header, cipher.encrypt(meta, headerBytes(header)), cipher.encrypt(payload));
}
