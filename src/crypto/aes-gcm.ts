// STUB: to be completed with tests against crypto-vectors.json.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CodecError, ErrorCode } from '../errors.js';

/** Bytes AES-GCM adds to every frame: 12-byte IV in front, 16-byte tag behind (WIRE §7.5). */
export const GCM_OVERHEAD = 28;

/** AES-256-GCM with one session key, fresh random IV per frame (WIRE §7.5). */
export class SessionCipher {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new CodecError(ErrorCode.KEY_EXCHANGE_FAILED, 'AES-256 needs a 32-byte key');
    this.#key = Buffer.from(key);
  }

  /** Returns `IV | ciphertext | tag`; `aad` is bound when given and non-empty. */
  encrypt(plain: Uint8Array, aad?: Uint8Array): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    if (aad !== undefined && aad.length > 0) cipher.setAAD(aad);
    const body = cipher.update(plain);
    const fin = cipher.final();
    return Buffer.concat([iv, body, fin, cipher.getAuthTag()]);
  }

  /** Reverses {@link encrypt}; throws a CodecError (DECRYPT_FAILED) on any mismatch. */
  decrypt(frame: Uint8Array, aad?: Uint8Array): Buffer {
    if (frame.length < GCM_OVERHEAD) throw new CodecError(ErrorCode.DECRYPT_FAILED, 'Encrypted frame is too short');
    try {
      const iv = frame.subarray(0, 12);
      const tag = frame.subarray(frame.length - 16);
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv);
      if (aad !== undefined && aad.length > 0) decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      const body = decipher.update(frame.subarray(12, frame.length - 16));
      const fin = decipher.final();
      return fin.length === 0 ? body : Buffer.concat([body, fin]);
    } catch (err) {
      throw new CodecError(ErrorCode.DECRYPT_FAILED, 'Failed to decrypt a frame (bad key, tag or data)', { cause: err });
    }
  }
}
