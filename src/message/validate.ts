import { ErrorCode, MessageError } from '../errors.js';

/** Limits of the Venice message model (WIRE §3.2). */
export const MAX_TOPICS = 20;
export const MAX_TOPIC_LENGTH = 100;
export const MAX_MIMETYPE_LENGTH = 100;
export const MAX_CHARSET_LENGTH = 50;
export const MAX_QUEUE_NAME_LENGTH = 80;

const LINE_BREAK = /[\r\n]/;
const QUEUE_NAME = /^[A-Za-z0-9_/-]+$/;

/**
 * Java `Character.isWhitespace`: TAB, LF, VT, FF, CR, U+001C–U+001F, and the Unicode space,
 * line and paragraph separators except the no-break spaces U+00A0, U+2007, U+202F.
 */
export function isJavaWhitespace(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if ((c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20)) return true;
  if (c < 0x80 || c === 0xa0 || c === 0x2007 || c === 0x202f) return false;
  return /[\p{Zs}\p{Zl}\p{Zp}]/u.test(ch);
}

/** Java `String.trim()`: strips leading/trailing code units <= U+0020. */
export function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Printable ASCII without space and comma: the common case, checked with one regex. */
const SIMPLE_TOPIC = /^[!-+\--~]{1,100}$/;

/** The reason a topic is invalid, or undefined when it is valid. */
export function topicProblem(topic: string): string | undefined {
  if (SIMPLE_TOPIC.test(topic)) return undefined;
  if (javaTrim(topic) === '') return 'A topic must not be blank!';
  if (topic.length > MAX_TOPIC_LENGTH) return `A topic is limited to ${MAX_TOPIC_LENGTH} characters!`;
  if (topic.includes(',')) return 'A topic must not contain a comma!';
  for (const ch of topic) {
    if (isJavaWhitespace(ch)) return 'A topic must not contain whitespace characters!';
  }
  return undefined;
}

/** Validates a list of topics for a message built locally (1–20, valid, distinct). */
export function validateTopics(topics: readonly string[]): readonly string[] {
  if (!Array.isArray(topics) || topics.length === 0) {
    throw new MessageError(ErrorCode.INVALID_TOPIC, 'A message needs at least one topic!');
  }
  if (topics.length > MAX_TOPICS) {
    throw new MessageError(ErrorCode.INVALID_TOPIC, `A message is limited to ${MAX_TOPICS} topics!`);
  }
  const seen = new Set<string>();
  for (const t of topics) {
    if (typeof t !== 'string') throw new MessageError(ErrorCode.INVALID_TOPIC, 'A topic must be a string!');
    const problem = topicProblem(t);
    if (problem !== undefined) throw new MessageError(ErrorCode.INVALID_TOPIC, `${problem} (topic: ${JSON.stringify(t)})`);
    if (seen.has(t)) throw new MessageError(ErrorCode.INVALID_TOPIC, `Duplicate topic ${JSON.stringify(t)}`);
    seen.add(t);
  }
  return Object.freeze(Array.from<string>(topics as readonly string[]));
}

/** Validates a mimetype for a message built locally. */
export function validateMimetype(mimetype: string): string {
  if (typeof mimetype !== 'string' || javaTrim(mimetype) === '') {
    throw new MessageError(ErrorCode.INVALID_MIMETYPE, 'A mimetype must not be blank!');
  }
  if (LINE_BREAK.test(mimetype)) throw new MessageError(ErrorCode.INVALID_MIMETYPE, 'A mimetype must not contain line breaks!');
  const m = javaTrim(mimetype);
  if (m.length > MAX_MIMETYPE_LENGTH) {
    throw new MessageError(ErrorCode.INVALID_MIMETYPE, `A mimetype is limited to ${MAX_MIMETYPE_LENGTH} characters!`);
  }
  return m;
}

/** Validates a charset name (null = binary). Support for encoding is checked elsewhere. */
export function validateCharsetName(charset: string | null): string | null {
  if (charset === null) return null;
  if (typeof charset !== 'string' || javaTrim(charset) === '') {
    throw new MessageError(ErrorCode.INVALID_CHARSET, 'A charset must not be blank!');
  }
  if (LINE_BREAK.test(charset)) throw new MessageError(ErrorCode.INVALID_CHARSET, 'A charset must not contain line breaks!');
  const c = javaTrim(charset);
  if (c.length > MAX_CHARSET_LENGTH) {
    throw new MessageError(ErrorCode.INVALID_CHARSET, `A charset is limited to ${MAX_CHARSET_LENGTH} characters!`);
  }
  return c;
}

/**
 * Validates an optional single-line field (request id, queue names) for the wire: no CR/LF;
 * trimmed as Java trims it; empty → null.
 */
export function validateLineField(value: string | null | undefined, what: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new MessageError(ErrorCode.INVALID_FIELD, `${what} must be a string`);
  if (LINE_BREAK.test(value)) throw new MessageError(ErrorCode.INVALID_FIELD, `${what} must not contain line breaks`);
  const v = javaTrim(value);
  return v === '' ? null : v;
}

/** The reason a managed queue name is invalid (WIRE §3.2 / §9.5 texts), or undefined. */
export function queueNameProblem(name: string): string | undefined {
  if (typeof name !== 'string' || javaTrim(name) === '') return 'A queue name must not be empty or blank!';
  if (name.length > MAX_QUEUE_NAME_LENGTH) return `A queue name is limited to ${MAX_QUEUE_NAME_LENGTH} characters!`;
  if (name === 'wal') return "The queue name 'wal' is a preserved name!";
  if (!QUEUE_NAME.test(name)) {
    return `The queue name "${name}" must only contain the characters: 'a-z', 'A-Z', '0-9', '_', '-', or '/'!`;
  }
  return undefined;
}

/** Throws a MessageError (INVALID_QUEUE_NAME) unless `name` is a valid managed queue name. */
export function validateQueueName(name: string): string {
  const problem = queueNameProblem(name);
  if (problem !== undefined) throw new MessageError(ErrorCode.INVALID_QUEUE_NAME, problem);
  return name;
}

/** Validates an int64-ish millisecond value. */
export function validateMillis(value: number, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new MessageError(ErrorCode.INVALID_FIELD, `${what} must be an integer number of milliseconds`);
  }
  return value;
}

/** Parses a UUID in canonical form (any case) and returns it in lower case, or undefined. */
export function normaliseUuid(s: string): string | undefined {
  if (s.length !== 36) return undefined;
  let upper = false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return undefined; // '-'
    } else if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)) {
      // 0-9 a-f
    } else if (c >= 0x41 && c <= 0x46) {
      upper = true; // A-F: accepted, answered in lower case (WIRE §5)
    } else {
      return undefined;
    }
  }
  return upper ? s.toLowerCase() : s;
}
