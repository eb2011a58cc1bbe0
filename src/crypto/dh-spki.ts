/**
 * Strict DER reading and writing of PKCS #3 Diffie-Hellman SubjectPublicKeyInfo (WIRE §7.2).
 * Peer keys are hostile input: every length is checked against the bytes present, nothing may
 * trail a structure, and the group must be exactly RFC 3526 group 14 with g = 2.
 */
import { CodecError, ErrorCode } from '../errors.js';

/** The RFC 3526 §3 2048-bit MODP prime ("group 14"). */
export const MODP14_PRIME = BigInt(
  '0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
    '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
    '15728E5A8AACAA68FFFFFFFFFFFFFFFF',
);

/** The generator of group 14. */
export const MODP14_GENERATOR = 2n;

/** Byte length of the group 14 prime, and so of every shared secret (WIRE §7.3). */
export const MODP14_BYTES = 256;

/** DER content bytes of OID 1.2.840.113549.1.3.1 (dhKeyAgreement, PKCS #3). */
const DH_KEY_AGREEMENT_OID = Buffer.from([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x03, 0x01]);

/** Longest Base64 text accepted for a peer key; a Java key is 744 characters. */
const MAX_KEY_BASE64_LENGTH = 2048;

const TAG_INTEGER = 0x02;
const TAG_BIT_STRING = 0x03;
const TAG_OID = 0x06;
const TAG_SEQUENCE = 0x30;

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function fail(reason: string): never {
  throw new CodecError(ErrorCode.KEY_EXCHANGE_FAILED, `Invalid Diffie-Hellman public key: ${reason}`);
}

/** One TLV read from a DER buffer: its tag, its content, and where the next TLV starts. */
interface Tlv {
  readonly tag: number;
  readonly content: Buffer;
  readonly end: number;
}

/** Reads the TLV at `pos`; definite lengths only, each checked against the bytes present. */
function readTlv(buf: Buffer, pos: number, what: string): Tlv {
  if (pos + 2 > buf.length) fail(`${what} is truncated`);
  const tag = buf[pos]!;
  let len = buf[pos + 1]!;
  let at = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    // 0x80 is BER's indefinite length (not DER); 3 length bytes are plenty for a 2048-bit key.
    if (n === 0 || n > 3) fail(`${what} has an unsupported length encoding`);
    if (at + n > buf.length) fail(`${what} is truncated`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[at + i]!;
    at += n;
  }
  if (at + len > buf.length) fail(`${what} is truncated (needs ${len} bytes)`);
  return { tag, content: buf.subarray(at, at + len), end: at + len };
}

function expectTag(tlv: Tlv, tag: number, what: string): void {
  if (tlv.tag !== tag) fail(`${what} has tag 0x${tlv.tag.toString(16)}, expected 0x${tag.toString(16)}`);
}

/** Reads every TLV in `content`, which must hold nothing else. */
function readAll(content: Buffer, what: string): Tlv[] {
  const items: Tlv[] = [];
  for (let pos = 0; pos < content.length; ) {
    const tlv = readTlv(content, pos, what);
    items.push(tlv);
    pos = tlv.end;
  }
  return items;
}

/** Decodes a non-negative DER INTEGER. */
function toUnsigned(tlv: Tlv, what: string): bigint {
  expectTag(tlv, TAG_INTEGER, what);
  const c = tlv.content;
  if (c.length === 0) fail(`${what} is empty`);
  if (c[0]! & 0x80) fail(`${what} is negative`);
  return BigInt('0x' + c.toString('hex'));
}

/** Decodes standard Base64 strictly: RFC 4648 alphabet, `=` padding, no whitespace, zero pad bits. */
function decodeStrictBase64(text: string): Buffer {
  if (text.length === 0) fail('empty text');
  if (text.length > MAX_KEY_BASE64_LENGTH) fail(`text longer than ${MAX_KEY_BASE64_LENGTH} characters`);
  if (!STRICT_BASE64.test(text)) fail('not strict standard Base64 (bad character, whitespace or padding)');
  const der = Buffer.from(text, 'base64');
  // Node ignores non-zero pad bits; re-encoding catches them (one key, one spelling).
  if (der.toString('base64') !== text) fail('non-canonical Base64');
  return der;
}

/**
 * Parses and validates a peer's public key: strict Base64 of a DER SubjectPublicKeyInfo with
 * the dhKeyAgreement OID, parameters `(p, g)` or `(p, g, privateValueLength)` with `p` the
 * group 14 prime and `g = 2`, and a public value `1 < y < p - 1`. Returns `y`.
 *
 * @throws CodecError `KEY_EXCHANGE_FAILED` saying what is wrong.
 */
export function parseDhPublicKey(base64: string): bigint {
  const der = decodeStrictBase64(base64);
  const spki = readTlv(der, 0, 'SubjectPublicKeyInfo');
  expectTag(spki, TAG_SEQUENCE, 'SubjectPublicKeyInfo');
  if (spki.end !== der.length) fail('bytes after the SubjectPublicKeyInfo');
  const [algorithm, subjectKey, ...extra] = readAll(spki.content, 'SubjectPublicKeyInfo');
  if (algorithm === undefined || subjectKey === undefined || extra.length > 0) {
    fail('SubjectPublicKeyInfo must hold exactly an algorithm and a key');
  }
  expectTag(algorithm, TAG_SEQUENCE, 'AlgorithmIdentifier');
  const [oid, params, ...more] = readAll(algorithm.content, 'AlgorithmIdentifier');
  if (oid === undefined || params === undefined || more.length > 0) {
    fail('AlgorithmIdentifier must hold exactly an OID and DH parameters');
  }
  expectTag(oid, TAG_OID, 'algorithm OID');
  if (!oid.content.equals(DH_KEY_AGREEMENT_OID)) fail('algorithm is not dhKeyAgreement (1.2.840.113549.1.3.1)');
  expectTag(params, TAG_SEQUENCE, 'DH parameters');
  const ints = readAll(params.content, 'DH parameters');
  // Java sends (p, g, l = 224), Node (p, g); the JDK rejects 1 or 4+ INTEGERs.
  if (ints.length !== 2 && ints.length !== 3) fail(`DH parameters hold ${ints.length} values, expected 2 or 3`);
  if (toUnsigned(ints[0]!, 'prime p') !== MODP14_PRIME) fail('prime p is not the RFC 3526 group 14 prime');
  if (toUnsigned(ints[1]!, 'generator g') !== MODP14_GENERATOR) fail('generator g is not 2');
  if (ints[2] !== undefined) toUnsigned(ints[2], 'privateValueLength'); // any value, as the JDK
  expectTag(subjectKey, TAG_BIT_STRING, 'subjectPublicKey');
  if (subjectKey.content.length < 1 || subjectKey.content[0] !== 0) fail('BIT STRING must have 0 unused bits');
  const bits = subjectKey.content.subarray(1);
  const yTlv = readTlv(bits, 0, 'public value y');
  if (yTlv.end !== bits.length) fail('bytes after the public value y');
  const y = toUnsigned(yTlv, 'public value y');
  // y = 0, 1 and p - 1 confine the shared secret to {0, 1, p - 1}; y >= p is not reduced.
  if (y <= 1n || y >= MODP14_PRIME - 1n) fail('public value y is outside 1 < y < p - 1');
  return y;
}

function encodeLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  if (len < 0x100) return Buffer.from([0x81, len]);
  return Buffer.from([0x82, len >> 8, len & 0xff]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

function integer(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  // A set top bit would read as negative: prefix 00.
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = '00' + hex;
  return tlv(TAG_INTEGER, Buffer.from(hex, 'hex'));
}

/**
 * DER SubjectPublicKeyInfo of public value `y` in group 14, in the form Node/OpenSSL writes
 * (parameters `p, g` without privateValueLength). Used to hand a validated peer key to OpenSSL.
 */
export function encodeDhPublicKey(y: bigint): Buffer {
  const params = tlv(TAG_SEQUENCE, integer(MODP14_PRIME), integer(MODP14_GENERATOR));
  const algorithm = tlv(TAG_SEQUENCE, tlv(TAG_OID, DH_KEY_AGREEMENT_OID), params);
  return tlv(TAG_SEQUENCE, algorithm, tlv(TAG_BIT_STRING, Buffer.from([0]), integer(y)));
}
