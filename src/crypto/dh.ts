/**
 * Diffie-Hellman key agreement in RFC 3526 group 14 and the Venice session-key derivation
 * (WIRE §7.1–7.4). The exchange is unauthenticated, as in Venice: it protects against passive
 * eavesdroppers only (see docs/security.md).
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPair, generateKeyPairSync, pbkdf2, pbkdf2Sync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { CodecError, ErrorCode } from '../errors.js';
import { SESSION_KEY_LENGTH } from './aes-gcm.js';
import { encodeDhPublicKey, MODP14_BYTES, parseDhPublicKey } from './dh-spki.js';

export { MODP14_BYTES, MODP14_GENERATOR, MODP14_PRIME, parseDhPublicKey } from './dh-spki.js';

/** The fixed 16-byte PBKDF2 salt of the Venice session key, in hex (WIRE §7.4). */
export const SESSION_KEY_SALT_HEX = '451a7967bafa0d5e0371442fc3a56e4f';

// Private: an exported Buffer could be modified by anyone.
const SESSION_KEY_SALT = Buffer.from(SESSION_KEY_SALT_HEX, 'hex');

/** PBKDF2-HMAC-SHA256 iterations of the Venice session key (WIRE §7.4). */
export const SESSION_KEY_ITERATIONS = 3000;

const pbkdf2Async = promisify(pbkdf2);

// @types/node 20 has no overloads for 'dh' keys with a named group; the runtime supports them.
type DhKeyObjects = { publicKey: KeyObject; privateKey: KeyObject };
const generateDhSync = generateKeyPairSync as unknown as (type: 'dh', options: { group: string }) => DhKeyObjects;
const generateDh = generateKeyPair as unknown as (
  type: 'dh',
  options: { group: string },
  callback: (err: Error | null, publicKey: KeyObject, privateKey: KeyObject) => void,
) => void;

/** One side's ephemeral Diffie-Hellman key pair; make a new one for every connection. */
export interface DhKeyPair {
  /** Standard Base64 of the DER X.509 SubjectPublicKeyInfo, sent to the peer (WIRE §7.2). */
  readonly publicKeyBase64: string;
  /**
   * Validates the peer's Base64 public key and returns the raw shared secret, left-padded to
   * exactly 256 bytes (WIRE §7.3).
   * @throws CodecError `KEY_EXCHANGE_FAILED` for a malformed or out-of-group key.
   */
  computeSharedSecret(peerPublicKeyBase64: string): Buffer;
  /**
   * Validates the peer's key and derives the 32-byte AES-256 session key (WIRE §7.3–7.4).
   * @throws CodecError `KEY_EXCHANGE_FAILED` for a malformed or out-of-group key.
   */
  computeSessionKey(peerPublicKeyBase64: string): Buffer;
  /** {@link DhKeyPair.computeSessionKey} with the PBKDF2 step on the libuv thread pool. */
  computeSessionKeyAsync(peerPublicKeyBase64: string): Promise<Buffer>;
}

class DhKeyPairImpl implements DhKeyPair {
  readonly publicKeyBase64: string;
  readonly #privateKey: KeyObject;

  constructor(publicKey: KeyObject, privateKey: KeyObject) {
    this.publicKeyBase64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    this.#privateKey = privateKey;
  }

  computeSharedSecret(peerPublicKeyBase64: string): Buffer {
    const y = parseDhPublicKey(peerPublicKeyBase64);
    let secret: Buffer;
    try {
      // Re-encode the validated value: OpenSSL then sees one canonical form whatever the
      // peer's encoding (Java adds privateValueLength, Node does not).
      const publicKey = createPublicKey({ key: encodeDhPublicKey(y), format: 'der', type: 'spki' });
      secret = diffieHellman({ privateKey: this.#privateKey, publicKey });
    } catch (err) {
      throw new CodecError(ErrorCode.KEY_EXCHANGE_FAILED, 'Failed to create Diffie-Hellman shared secret', {
        cause: err,
      });
    }
    return padSecret(secret);
  }

  computeSessionKey(peerPublicKeyBase64: string): Buffer {
    return deriveSessionKey(this.computeSharedSecret(peerPublicKeyBase64));
  }

  async computeSessionKeyAsync(peerPublicKeyBase64: string): Promise<Buffer> {
    return deriveSessionKeyAsync(this.computeSharedSecret(peerPublicKeyBase64));
  }
}

/**
 * Left-pads a shared secret with zero bytes to exactly 256 bytes (WIRE §7.3). Node pads
 * already, but about one secret in 256 starts with 0x00 and a missing byte would silently
 * derive a different key, so the length is enforced here.
 */
function padSecret(secret: Uint8Array): Buffer {
  if (secret.length === MODP14_BYTES) return Buffer.from(secret.buffer, secret.byteOffset, secret.length);
  let start = 0;
  // Tolerate redundant leading zeros beyond 256 bytes, never significant bytes.
  while (secret.length - start > MODP14_BYTES && secret[start] === 0) start++;
  const significant = secret.subarray(start);
  if (significant.length > MODP14_BYTES) {
    throw new CodecError(ErrorCode.KEY_EXCHANGE_FAILED, `Shared secret is longer than ${MODP14_BYTES} bytes`);
  }
  const out = Buffer.alloc(MODP14_BYTES);
  out.set(significant, MODP14_BYTES - significant.length);
  return out;
}

/** The PBKDF2 passphrase of a shared secret: `Base64(secret padded to 256 bytes)`, 344 chars. */
export function sessionKeyPassphrase(sharedSecret: Uint8Array): string {
  return padSecret(sharedSecret).toString('base64');
}

/**
 * Derives the 32-byte AES-256 session key from a shared secret (WIRE §7.4):
 * PBKDF2-HMAC-SHA256 over the UTF-8 of `Base64(secret)`, the fixed 16-byte salt, 3000
 * iterations. The secret is left-padded to 256 bytes first.
 */
export function deriveSessionKey(sharedSecret: Uint8Array): Buffer {
  const passphrase = Buffer.from(sessionKeyPassphrase(sharedSecret), 'ascii');
  return pbkdf2Sync(passphrase, SESSION_KEY_SALT, SESSION_KEY_ITERATIONS, SESSION_KEY_LENGTH, 'sha256');
}

/** {@link deriveSessionKey} on the libuv thread pool. */
export async function deriveSessionKeyAsync(sharedSecret: Uint8Array): Promise<Buffer> {
  const passphrase = Buffer.from(sessionKeyPassphrase(sharedSecret), 'ascii');
  return pbkdf2Async(passphrase, SESSION_KEY_SALT, SESSION_KEY_ITERATIONS, SESSION_KEY_LENGTH, 'sha256');
}

/** Generates a fresh group-14 key pair on the calling thread (blocks for a few milliseconds). */
export function createDhKeyPair(): DhKeyPair {
  const { publicKey, privateKey } = generateDhSync('dh', { group: 'modp14' });
  return new DhKeyPairImpl(publicKey, privateKey);
}

/** Generates a fresh group-14 key pair on the libuv thread pool, leaving the event loop free. */
export async function createDhKeyPairAsync(): Promise<DhKeyPair> {
  return new Promise<DhKeyPair>((resolve, reject) => {
    generateDh('dh', { group: 'modp14' }, (err, publicKey, privateKey) => {
      if (err) reject(new CodecError(ErrorCode.KEY_EXCHANGE_FAILED, 'Failed to generate a key pair', { cause: err }));
      else resolve(new DhKeyPairImpl(publicKey, privateKey));
    });
  });
}

/**
 * Rebuilds a key pair from an existing group-14 private key (PKCS #8 DER, as the JDK's
 * `getEncoded()` or Node's `export({ type: 'pkcs8', format: 'der' })` writes it, or a
 * KeyObject). Meant for tests and recorded sessions; real connections use fresh pairs.
 * @throws CodecError `KEY_EXCHANGE_FAILED` when the key is not a DH key of group 14.
 */
export function dhKeyPairFromPrivateKey(privateKey: Uint8Array | KeyObject): DhKeyPair {
  let key: KeyObject;
  let publicKey: KeyObject;
  try {
    key = privateKey instanceof Uint8Array ? createPrivateKey({ key: Buffer.from(privateKey), format: 'der', type: 'pkcs8' }) : privateKey;
    if (key.type !== 'private' || (key.asymmetricKeyType as string | undefined) !== 'dh') throw new TypeError('not a DH private key');
    publicKey = createPublicKey(key);
  } catch (err) {
    throw new CodecError(ErrorCode.KEY_EXCHANGE_FAILED, 'Not a Diffie-Hellman private key', { cause: err });
  }
  const pair = new DhKeyPairImpl(publicKey, key);
  parseDhPublicKey(pair.publicKeyBase64); // checks the group
  return pair;
}
