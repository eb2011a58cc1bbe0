import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import { CodecError, ErrorCode } from '../errors.js';

/** Bytes of the random IV in front of every encrypted frame (WIRE §7.5). */
export const GCM_IV_LENGTH = 12;

/** Bytes of the authentication tag behind every encrypted frame (WIRE §7.5). */
export const GCM_TAG_LENGTH = 16;

/** Bytes AES-GCM adds to every frame: 12-byte IV in front, 16-byte tag behind (WIRE §7.5). */
export const GCM_OVERHEAD = 28;

/** Length in bytes of an AES-256 session key. */
export const SESSION_KEY_LENGTH = 32;

/**
 * IVs are slices of one CSPRNG buffer refilled every 341 frames: the same randomness as a
 * `randomFillSync` per frame, without a system call per frame. No slice is handed out twice.
 */
const IV_POOL_SIZE = GCM_IV_LENGTH * 341;
let ivPool = Buffer.alloc(0);
let ivOffset = IV_POOL_SIZE;

function nextIv(target: Buffer): void {
  if (ivOffset + GCM_IV_LENGTH > ivPool.length) {
    ivPool = randomFillSync(Buffer.allocUnsafe(IV_POOL_SIZE));
    ivOffset = 0;
  }
  ivPool.copy(target, 0, ivOffset, ivOffset + GCM_IV_LENGTH);
  ivOffset += GCM_IV_LENGTH;
}

/**
 * AES-256-GCM with one session key and a fresh random IV per frame (WIRE §7.5).
 *
 * Layout of every frame body: `IV (12) | ciphertext (same length as the plaintext) | tag (16)`.
 * The same key serves both directions of a connection, as in Venice; IVs are 96 random bits
 * from the CSPRNG, so a key should not encrypt more than about 2^32 frames (NIST SP 800-38D
 * §8.3) — far beyond the life of any connection.
 */
export class SessionCipher {
  readonly #key: Buffer;

  /** @param key - the 32-byte AES-256 key, e.g. from `DhKeyPair.computeSessionKey`. */
  constructor(key: Uint8Array) {
    if (key.length !== SESSION_KEY_LENGTH) {
      throw new CodecError(ErrorCode.KEY_EXCHANGE_FAILED, `AES-256 needs a 32-byte key, got ${key.length} bytes`);
    }
    // Own copy: the caller may reuse or wipe its buffer.
    this.#key = Buffer.from(key);
  }

  /**
   * Encrypts one frame body. Returns `IV | ciphertext | tag` (length `plain.length + 28`) in a
   * single newly allocated buffer. `aad` is bound when given and non-empty (Java feeds AAD
   * only when it is non-empty; the meta frame uses the 34 header bytes, the payload frame none).
   */
  encrypt(plain: Uint8Array, aad?: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(GCM_IV_LENGTH + plain.length + GCM_TAG_LENGTH);
    const iv = out.subarray(0, GCM_IV_LENGTH);
    nextIv(iv);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: GCM_TAG_LENGTH });
    if (aad !== undefined && aad.length > 0) cipher.setAAD(aad);
    let at = GCM_IV_LENGTH;
    // OpenSSL's GCM is a stream mode: update() returns exactly plain.length bytes and final()
    // none, but copy whatever comes so a future change cannot silently corrupt frames.
    at += cipher.update(plain).copy(out, at);
    at += cipher.final().copy(out, at);
    cipher.getAuthTag().copy(out, at);
    return out;
  }

  /**
   * Reverses {@link SessionCipher.encrypt}. Throws `CodecError(DECRYPT_FAILED)` when the frame
   * is shorter than 28 bytes or fails authentication (wrong key, tampered data or AAD).
   */
  decrypt(frame: Uint8Array, aad?: Uint8Array): Buffer {
    if (frame.length < GCM_OVERHEAD) {
      throw new CodecError(
        ErrorCode.DECRYPT_FAILED,
        `Encrypted frame is too short (${frame.length} bytes, at least ${GCM_OVERHEAD} needed)`,
      );
    }
    const tagStart = frame.length - GCM_TAG_LENGTH;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, frame.subarray(0, GCM_IV_LENGTH), {
        authTagLength: GCM_TAG_LENGTH,
      });
      if (aad !== undefined && aad.length > 0) decipher.setAAD(aad);
      decipher.setAuthTag(frame.subarray(tagStart));
      const body = decipher.update(frame.subarray(GCM_IV_LENGTH, tagStart));
      // final() verifies the tag; for GCM it yields no bytes, so `body` is returned uncopied.
      const fin = decipher.final();
      return fin.length === 0 ? body : Buffer.concat([body, fin]);
    } catch (err) {
      throw new CodecError(ErrorCode.DECRYPT_FAILED, 'Failed to decrypt a frame (bad key, tag, AAD or data)', {
        cause: err,
      });
    }
  }
}
