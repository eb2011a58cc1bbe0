import { TextDecoder } from 'node:util';
import { ErrorCode, MessageError } from '../errors.js';

/**
 * Text encoding by Java charset name. Encoding supports the charsets Node can produce
 * (UTF-8, US-ASCII, ISO-8859-1, UTF-16LE/BE and UTF-16 with a BOM as Java writes it);
 * decoding also accepts every label `TextDecoder` knows (windows-1252, …).
 */
type Encoder = (text: string) => Buffer;

function asciiEncode(text: string): Buffer {
  const out = Buffer.from(text, 'latin1');
  for (let i = 0; i < out.length; i++) if ((out[i] ?? 0) > 0x7f) out[i] = 0x3f; // '?' as Java does
  return out;
}

const ENCODERS: ReadonlyMap<string, Encoder> = new Map<string, Encoder>([
  ['UTF-8', (t) => Buffer.from(t, 'utf8')],
  ['UTF8', (t) => Buffer.from(t, 'utf8')],
  ['US-ASCII', asciiEncode],
  ['ASCII', asciiEncode],
  ['ISO-8859-1', (t) => Buffer.from(t, 'latin1')],
  ['LATIN1', (t) => Buffer.from(t, 'latin1')],
  ['UTF-16LE', (t) => Buffer.from(t, 'utf16le')],
  ['UTF-16BE', (t) => Buffer.from(t, 'utf16le').swap16()],
  ['UTF-16', (t) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()])],
]);

/** True when text can be encoded with this charset name. */
export function canEncode(charset: string): boolean {
  return ENCODERS.has(charset.toUpperCase());
}

/** Encodes `text` with a Java charset name; unknown charsets → MessageError(INVALID_CHARSET). */
export function encodeText(text: string, charset: string): Buffer {
  const enc = ENCODERS.get(charset.toUpperCase());
  if (enc === undefined) {
    throw new MessageError(ErrorCode.INVALID_CHARSET, `Unsupported charset '${charset}' for encoding text`);
  }
  return enc(text);
}

const decoders = new Map<string, TextDecoder>();

/** Decodes bytes with a Java charset name; unknown charsets → MessageError(INVALID_CHARSET). */
export function decodeText(data: Uint8Array, charset: string): string {
  const key = charset.toUpperCase();
  if (key === 'UTF-8' || key === 'UTF8') return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  let d = decoders.get(key);
  if (d === undefined) {
    try {
      d = new TextDecoder(key === 'US-ASCII' ? 'windows-1252' : key === 'UTF-16' ? 'utf-16be' : key);
    } catch (err) {
      throw new MessageError(ErrorCode.INVALID_CHARSET, `Unsupported charset '${charset}' for decoding text`, { cause: err });
    }
    decoders.set(key, d);
  }
  return d.decode(data);
}
