/** Test-only DER builder for hand-made (often broken) DH public keys. */
import { MODP14_PRIME } from '../../src/crypto/dh.js';

export const DH_OID = Buffer.from('2a864886f70d010301', 'hex');

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
}

export function int(v: bigint): Buffer {
  let h = v.toString(16);
  if (h.length % 2) h = '0' + h;
  if (parseInt(h.slice(0, 2), 16) & 0x80) h = '00' + h;
  return tlv(0x02, Buffer.from(h, 'hex'));
}

export interface KeyParts {
  oid?: Buffer;
  params?: bigint[];
  y: bigint;
  unusedBits?: number;
  trailing?: Buffer;
}

/** SPKI DER for the given parts; defaults to a well-formed group-14 key without `l`. */
export function spki(parts: KeyParts): Buffer {
  const params = parts.params ?? [MODP14_PRIME, 2n];
  const alg = tlv(0x30, tlv(0x06, parts.oid ?? DH_OID), tlv(0x30, ...params.map(int)));
  const key = tlv(0x03, Buffer.from([parts.unusedBits ?? 0]), int(parts.y));
  return Buffer.concat([tlv(0x30, alg, key), parts.trailing ?? Buffer.alloc(0)]);
}

export const b64 = (der: Buffer): string => der.toString('base64');
