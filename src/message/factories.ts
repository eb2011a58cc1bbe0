import { newMessageId } from './ids.js';
import { TextDecoder } from 'node:util';
import { ErrorCode, MessageError } from '../errors.js';
import { canEncode, encodeText } from './charset.js';
import { DEFAULT_MESSAGE_TIMEOUT, JSON_MIMETYPE, messageFromFields, type Message } from './message.js';
import {
  validateCharsetName,
  validateLineField,
  validateMillis,
  validateMimetype,
  validateTopics,
} from './validate.js';

/** Calendar units accepted for a relative expiry (Venice `expires-unit`). */
export type ExpiryUnit = 'years' | 'months' | 'weeks' | 'days' | 'hours' | 'minutes' | 'seconds' | 'milliseconds';

/** A relative expiry: `value` units from now (negative values give already-expired messages). */
export interface ExpiresIn {
  readonly value: number;
  readonly unit: ExpiryUnit;
}

/** Options shared by the message factories. */
export interface MessageOptions {
  /** Mark the message durable (only meaningful when offered to a durable queue). Defaults to false. */
  readonly durable?: boolean;
  /** Absolute expiry: ms since the epoch or a Date. Defaults to never. */
  readonly expiresAt?: number | Date | null;
  /** Relative expiry added to the local current date-time (calendar arithmetic). Defaults to never. */
  readonly expiresIn?: ExpiresIn | null;
}

/** Full control over a new message (validated). */
export interface MessageInit extends MessageOptions {
  readonly requestId?: string | null;
  /** One topic, or 1–20 distinct topics (the first is "the topic"). */
  readonly topic: string | readonly string[];
  readonly mimetype: string;
  /** Charset of a text payload; null/undefined for binary. */
  readonly charset?: string | null;
  /** Payload bytes, or a string encoded with `charset`. */
  readonly data?: Uint8Array | string;
  /** Header timeout in ms. Defaults to 300 (what Java's factories use). */
  readonly timeout?: number;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  weeks: 7 * 24 * 3600_000,
  days: 24 * 3600_000,
  hours: 3600_000,
  minutes: 60_000,
  seconds: 1000,
  milliseconds: 1,
};

/** Resolves the expiry options to ms since the epoch, or -1. */
export function resolveExpiry(opts: MessageOptions, now: number = Date.now()): number {
  if (opts.expiresAt !== undefined && opts.expiresAt !== null && opts.expiresIn !== undefined && opts.expiresIn !== null) {
    throw new MessageError(ErrorCode.INVALID_ARGUMENT, 'Give either expiresAt or expiresIn, not both');
  }
  if (opts.expiresAt instanceof Date) return validateMillis(opts.expiresAt.getTime(), 'expiresAt');
  if (typeof opts.expiresAt === 'number') return validateMillis(opts.expiresAt, 'expiresAt');
  const rel = opts.expiresIn;
  if (rel === undefined || rel === null) return -1;
  if (!Number.isSafeInteger(rel.value)) throw new MessageError(ErrorCode.INVALID_ARGUMENT, 'expiresIn.value must be an integer');
  if (rel.unit === 'years' || rel.unit === 'months') {
    const d = new Date(now); // local calendar arithmetic, like Java LocalDateTime.plus
    if (rel.unit === 'years') d.setFullYear(d.getFullYear() + rel.value);
    else d.setMonth(d.getMonth() + rel.value);
    return d.getTime();
  }
  const ms = UNIT_MS[rel.unit];
  if (ms === undefined) throw new MessageError(ErrorCode.INVALID_ARGUMENT, `Invalid expiry unit '${String(rel.unit)}'`);
  return now + rel.value * ms;
}

/**
 * Validated single-topic lists, by topic (issue 11): most messages name one topic, and most
 * programs a few of them; validating and copying it for every message was measurable. The
 * lists are frozen, so sharing them between messages is safe. Bounded: cleared when full.
 */
const singleTopics = new Map<string, readonly string[]>();
const SINGLE_TOPICS_MAX = 1024;

function topicList(topic: string | readonly string[]): readonly string[] {
  if (typeof topic !== 'string') return validateTopics(topic);
  let list = singleTopics.get(topic);
  if (list === undefined) {
    list = validateTopics([topic]);
    if (singleTopics.size >= SINGLE_TOPICS_MAX) singleTopics.clear();
    singleTopics.set(topic, list);
  }
  return list;
}

// The last mimetype and charset names validated, and their results: a program sends the same
// few again and again (strings compare by identity first, so a literal is checked at once).
// Seeded with valid names, so that nothing unvalidated (such as '') can match.
let lastMimetype = 'application/octet-stream';
let lastMimetypeValid = 'application/octet-stream';
let lastCharset = 'UTF-8';
let lastCharsetValid: string | null = 'UTF-8';

function mimetypeOf(mimetype: string): string {
  if (mimetype === lastMimetype) return lastMimetypeValid;
  const valid = validateMimetype(mimetype);
  lastMimetype = mimetype;
  lastMimetypeValid = valid;
  return valid;
}

function charsetOf(charset: string | null | undefined): string | null {
  if (charset === null || charset === undefined) return null;
  if (charset === lastCharset) return lastCharsetValid;
  const valid = validateCharsetName(charset);
  lastCharset = charset;
  lastCharsetValid = valid;
  return valid;
}

const NO_OPTIONS: MessageOptions = Object.freeze({});

/** Creates a validated message with type NULL and status NULL (SEMANTICS §2.2). */
export function createMessage(init: MessageInit): Message {
  return build(init.requestId, init.topic, init.mimetype, init.charset, init.data, init, init.timeout);
}

/** {@link createMessage} with the fields as arguments: the factories below call it without building an init object. */
function build(
  requestId: string | null | undefined,
  topic: string | readonly string[],
  mimetype: string,
  charsetName: string | null | undefined,
  payload: Uint8Array | string | undefined,
  opts: MessageOptions,
  timeout: number | undefined,
): Message {
  const charset = charsetOf(charsetName);
  let data: Buffer;
  if (typeof payload === 'string') {
    if (charset === null) throw new MessageError(ErrorCode.INVALID_CHARSET, 'A text payload needs a charset');
    data = encodeText(payload, charset);
  } else if (payload === undefined) {
    data = Buffer.alloc(0);
  } else if (payload instanceof Uint8Array) {
    data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  } else {
    throw new MessageError(ErrorCode.INVALID_ARGUMENT, 'Message data must be a Uint8Array or a string');
  }
  if (charset !== null && typeof payload !== 'string' && !canEncode(charset)) {
    // Bytes given with a charset we cannot decode later: still allowed if TextDecoder knows it.
    try {
      new TextDecoder(charset);
    } catch (err) {
      throw new MessageError(ErrorCode.INVALID_CHARSET, `Unknown charset '${charset}'`, { cause: err });
    }
  }
  const durable = opts.durable ?? false;
  if (typeof durable !== 'boolean') throw new MessageError(ErrorCode.INVALID_ARGUMENT, 'durable must be a boolean');
  return messageFromFields({
    id: newMessageId(),
    requestId: validateLineField(requestId, 'A request id'),
    topics: topicList(topic),
    mimetype: mimetypeOf(mimetype),
    charset,
    data,
    durable,
    expiresAtMillis: opts.expiresAt == null && opts.expiresIn == null ? -1 : resolveExpiry(opts),
    timeout: timeout === undefined ? DEFAULT_MESSAGE_TIMEOUT : validateMillis(timeout, 'timeout'),
  });
}

function asText(text: unknown): string {
  return typeof text === 'string' ? text : String(text);
}

/** A `text/plain; UTF-8` message (Venice `ipc/plain-text-message`). */
export function plainTextMessage(requestId: string | null, topic: string | readonly string[], text: string, opts: MessageOptions = NO_OPTIONS): Message {
  return build(requestId, topic, 'text/plain', 'UTF-8', asText(text), opts, undefined);
}

/** A text message with any mimetype and charset (Venice `ipc/text-message`). */
export function textMessage(
  requestId: string | null,
  topic: string | readonly string[],
  mimetype: string,
  charset: string,
  text: string,
  opts: MessageOptions = NO_OPTIONS,
): Message {
  if (typeof charset !== 'string') throw new MessageError(ErrorCode.INVALID_CHARSET, 'A charset must be a string such as "UTF-8"');
  return build(requestId, topic, mimetype, charset, asText(text), opts, undefined);
}

/** A binary message: raw bytes, no charset (Venice `ipc/binary-message`). */
export function binaryMessage(
  requestId: string | null,
  topic: string | readonly string[],
  mimetype: string,
  data: Uint8Array,
  opts: MessageOptions = NO_OPTIONS,
): Message {
  if (!(data instanceof Uint8Array)) throw new MessageError(ErrorCode.INVALID_ARGUMENT, 'Binary message data must be a Uint8Array');
  return build(requestId, topic, mimetype, null, data, opts, undefined);
}

/**
 * A JSON message, `application/json; UTF-8` (Venice `ipc/venice-message`): `value` is
 * serialised compactly; byte arrays become Base64 strings and bigints decimal strings, as
 * Venice writes byte buffers and big integers.
 */
export function jsonMessage(requestId: string | null, topic: string | readonly string[], value: unknown, opts: MessageOptions = NO_OPTIONS): Message {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, jsonReplacer);
  } catch (err) {
    throw new MessageError(ErrorCode.NOT_JSON, 'The data can not be serialised to JSON', { cause: err });
  }
  if (text === undefined) throw new MessageError(ErrorCode.NOT_JSON, 'The data can not be serialised to JSON');
  return build(requestId, topic, JSON_MIMETYPE, 'UTF-8', text, opts, undefined);
}

/** Alias of {@link jsonMessage} under its Venice name. */
export const veniceMessage = jsonMessage;

function jsonReplacer(this: unknown, _key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (v instanceof Map) return Object.fromEntries(v);
  if (v instanceof Set) return [...v];
  if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
    return Buffer.from((v as { data: number[] }).data).toString('base64'); // Buffer#toJSON already ran
  }
  return v;
}
