/** Test-only access to the Java vectors copied into test/fixtures/crypto (never ../shared). */
import { readFileSync } from 'node:fs';

export interface GcmVector {
  aadHex: string;
  metaPlainHex: string;
  metaEncryptedHex: string;
  payloadPlainHex: string;
  payloadEncryptedHex_noAAD: string;
}

export interface DhVector {
  comment: string;
  p: string;
  g: number;
  l: number;
  clientX: string;
  clientY: string;
  clientPublicKeyB64: string;
  serverX: string;
  serverY: string;
  serverPublicKeyB64: string;
  secretLength: number;
  secretHex: string;
  passphrase: string;
  aesKeyHex: string;
  gcm: GcmVector;
}

export interface CryptoVectors {
  dh: DhVector[];
  password: { password: string; encoded: string; verifies: boolean; authenticatorFile: string };
  gzip: { plainHex: string; veniceGzipHex: string };
}

export interface SessionVector {
  conn: string;
  dhP: string;
  clientX: string;
  clientY: string;
  clientPrivateKeyPkcs8B64: string;
  clientPublicKeyX509B64: string;
  aesKeyHex: string;
  serverPublicKeyB64: string;
  frame: {
    dir: string;
    headerHex: string;
    metaFrameHex: string;
    meta: string;
    payloadFrameHex: string;
    payloadHex: string;
  };
}

function fixture(name: string): unknown {
  // Compiled to dist/test/crypto/: the fixtures stay in the source tree.
  return JSON.parse(readFileSync(new URL(`../../../test/fixtures/crypto/${name}`, import.meta.url), 'utf8'));
}

export const cryptoVectors = fixture('crypto-vectors.json') as CryptoVectors;
export const sessionVectors = Object.entries(
  (fixture('sessions.json') as { sessions: Record<string, SessionVector> }).sessions,
);

export const hex = (s: string): Buffer => Buffer.from(s, 'hex');

/** Square-and-multiply, test-only (a 224-bit exponent takes a few milliseconds). */
export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
  }
  return result;
}
