import { ErrorCode, ProtocolError } from '../errors.js';
import { exactCopy } from '../message/message.js';
import { HEADER_SIZE, readHeader, type Header } from './header.js';

/** One message as it came off the wire: header, meta frame and payload frame, still encoded. */
export interface RawFrame extends Header {
  /** The 34 header bytes exactly as received (AES-GCM AAD of the meta frame). */
  readonly headerBytes: Buffer;
  /** Meta frame body (plaintext UTF-8 or AES-GCM record). */
  readonly meta: Buffer;
  /** Payload frame body (raw, GZIP and/or AES-GCM record). */
  readonly payload: Buffer;
}

/** Receives decoded frames: a function, or an object with an `onFrame` method (no closure needed). */
export type FrameSink = ((frame: RawFrame) => void) | { onFrame(frame: RawFrame): void };

/** Length limits checked the moment a frame length is read, before the body is buffered. */
export interface FrameLimits {
  /** Largest meta frame accepted, in bytes. */
  readonly maxMetaFrame: number;
  /** Largest payload frame accepted, in bytes. */
  readonly maxPayloadFrame: number;
}

const enum State {
  GET_HEADER,
  GET_META_LENGTH,
  GET_META,
  GET_PAYLOAD_LENGTH,
  GET_PAYLOAD,
  FAILED,
}

const EMPTY = Buffer.alloc(0);
/** A field up to this size that spans chunks is copied as it arrives; a larger one is collected as chunk views. */
const COPY_UP_TO = 16 * 1024;

/**
 * Incremental decoder of the message envelope (WIRE §2). Feed it chunks of any size with
 * {@link push}; it calls `onFrame` for every complete message, in order.
 *
 * Outputs alias the input: a field that lies within one chunk is handed out as a view of that
 * chunk (no copy). A small field (up to 16 KiB) that spans chunks is copied into a buffer of its
 * declared size; a larger one is kept as the views of the chunks it arrived in until half of it
 * is here, then copied into a buffer of exactly its size, and the rest is copied in as it
 * arrives: one copy, as the least any decoder that hands out one contiguous Buffer must do. Lengths are checked against the limits as soon as
 * their 4 bytes are known, and memory stays within twice the bytes received, never follows a length a
 * peer merely claims. After an error the decoder stays failed.
 */
export class FrameDecoder {
  #state = State.GET_HEADER;
  #limits: FrameLimits;
  // Partial field being assembled across chunks: a buffer of the declared size (small fields)
  // or the chunk views received so far (large fields).
  #partial: Buffer = EMPTY;
  #pieces: Buffer[] | undefined;
  #partialFill = 0;
  #need = HEADER_SIZE;
  // Fields of the message being decoded.
  #header: Header | undefined;
  #headerBytes: Buffer = EMPTY;
  #meta: Buffer = EMPTY;

  constructor(limits: FrameLimits) {
    this.#limits = limits;
  }

  /** Replaces the limits (e.g. once the handshake told us the peer's maximum). */
  setLimits(limits: FrameLimits): void {
    this.#limits = limits;
  }

  /** True when the decoder holds part of a message (EOF now would truncate it). */
  get midMessage(): boolean {
    return this.#state !== State.FAILED && (this.#state !== State.GET_HEADER || this.#partialFill > 0);
  }

  /** Number of bytes buffered for the field being assembled. */
  get bufferedBytes(): number {
    return this.#partialFill;
  }

  /**
   * Consumes `chunk`, calling `onFrame` for each complete message. Throws a ProtocolError on
   * malformed input (and stays failed).
   */
  push(chunk: Buffer, onFrame: FrameSink): void {
    if (this.#state === State.FAILED) throw new ProtocolError(ErrorCode.INTERNAL, 'decoder already failed');
    let off = 0;
    try {
      while (off < chunk.length) {
        let field: Buffer;
        if (this.#partialFill === 0 && chunk.length - off >= this.#need) {
          field = chunk.subarray(off, off + this.#need); // whole field in this chunk: a view
          off += this.#need;
        } else {
          const n = Math.min(this.#need - this.#partialFill, chunk.length - off);
          if (this.#need <= COPY_UP_TO || this.#partial.length === this.#need) {
            if (this.#partialFill === 0) this.#partial = Buffer.allocUnsafe(this.#need);
            chunk.copy(this.#partial, this.#partialFill, off, off + n);
          } else {
            const piece = chunk.subarray(off, off + n);
            // A view keeps its whole chunk alive: copy a small piece of a much larger chunk, so
            // the memory held stays in proportion to the bytes received.
            (this.#pieces ??= []).push(piece.buffer.byteLength > 2 * n + 4096 ? exactCopy(piece) : piece);
            // Half the field is here: from now on it is copied into its final buffer as it
            // arrives (at most twice the bytes received), so the copy overlaps the transfer
            // instead of all of it waiting for the last byte.
            if (2 * (this.#partialFill + n) >= this.#need) {
              const whole = Buffer.allocUnsafe(this.#need);
              let at = 0;
              for (const p of this.#pieces) at += p.copy(whole, at);
              this.#partial = whole;
              this.#pieces = undefined;
            }
          }
          this.#partialFill += n;
          off += n;
          if (this.#partialFill < this.#need) return;
          field = this.#partial;
          this.#partial = EMPTY;
          this.#partialFill = 0;
        }
        this.#onField(field, onFrame);
      }
    } catch (err) {
      this.#state = State.FAILED;
      throw err;
    }
  }

  /** Memory the field being assembled keeps alive (its buffer, or the chunks behind its views). */
  get retainedBytes(): number {
    let n = this.#partial.length;
    for (const p of this.#pieces ?? []) n += p.buffer.byteLength;
    return n;
  }

  /** Bytes held for the message being received (the field being assembled plus its meta frame). */
  get heldBytes(): number {
    return this.#partialFill + this.#meta.length;
  }

  #expect(state: State, n: number): void {
    this.#state = state;
    this.#need = n;
  }

  #onField(field: Buffer, onFrame: FrameSink): void {
    switch (this.#state) {
      case State.GET_HEADER:
        this.#header = readHeader(field, 0);
        this.#headerBytes = field;
        this.#expect(State.GET_META_LENGTH, 4);
        return;
      case State.GET_META_LENGTH: {
        const n = field.readInt32BE(0);
        if (n <= 0) throw new ProtocolError(ErrorCode.BAD_FRAME_LENGTH, `Bad meta frame length ${n}`);
        if (n > this.#limits.maxMetaFrame) {
          throw new ProtocolError(ErrorCode.FRAME_TOO_LARGE, `Meta frame of ${n} bytes exceeds the limit of ${this.#limits.maxMetaFrame}`);
        }
        this.#expect(State.GET_META, n);
        return;
      }
      case State.GET_META:
        this.#meta = field;
        this.#expect(State.GET_PAYLOAD_LENGTH, 4);
        return;
      case State.GET_PAYLOAD_LENGTH: {
        const n = field.readInt32BE(0);
        if (n < 0) throw new ProtocolError(ErrorCode.BAD_FRAME_LENGTH, `Bad payload frame length ${n}`);
        if (n > this.#limits.maxPayloadFrame) {
          throw new ProtocolError(
            ErrorCode.FRAME_TOO_LARGE,
            `Payload frame of ${n} bytes exceeds the limit of ${this.#limits.maxPayloadFrame}`,
          );
        }
        this.#expect(State.GET_PAYLOAD, n);
        if (n === 0) this.#onField(EMPTY, onFrame);
        return;
      }
      case State.GET_PAYLOAD: {
        const header = this.#header as Header;
        // Built field by field: V8 (Node 20) makes `{ ...header, more }` an order of magnitude slower.
        const frame: RawFrame = {
          compressed: header.compressed,
          encrypted: header.encrypted,
          timestamp: header.timestamp,
          expiresAt: header.expiresAt,
          timeout: header.timeout,
          outOfRange: header.outOfRange,
          headerBytes: this.#headerBytes,
          meta: this.#meta,
          payload: field,
        };
        this.#header = undefined;
        this.#headerBytes = EMPTY;
        this.#meta = EMPTY;
        this.#expect(State.GET_HEADER, HEADER_SIZE);
        if (typeof onFrame === 'function') onFrame(frame);
        else onFrame.onFrame(frame);
        return;
      }
      case State.FAILED:
        throw new ProtocolError(ErrorCode.INTERNAL, 'decoder already failed');
    }
  }
}
