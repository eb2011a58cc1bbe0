import { isAscii } from 'node:buffer';
import { ErrorCode, ProtocolError } from '../errors.js';
import type { MessageFields } from '../message/message.js';
import {
  javaTrim,
  MAX_CHARSET_LENGTH,
  MAX_MIMETYPE_LENGTH,
  MAX_TOPICS,
  normaliseUuid,
  topicProblem,
} from '../message/validate.js';
import { MessageType, ResponseStatus, messageTypeName, responseStatusName } from './codes.js';

/**
 * The metadata text (WIRE §3): exactly 12 lines joined by LF, no trailing terminator:
 * oneway, durable, subscriptionReply, requestId, type, status, queueName, replyToQueueName,
 * topics (comma-joined), mimetype, charset (empty = binary), id.
 */
export const METADATA_LINES = 12;

/** Metadata fields (everything of a message except the header values and the payload). */
export type MetadataFields = Pick<
  MessageFields,
  | 'oneway'
  | 'durable'
  | 'subscriptionReply'
  | 'requestId'
  | 'type'
  | 'status'
  | 'queueName'
  | 'replyToQueueName'
  | 'topics'
  | 'mimetype'
  | 'charset'
  | 'id'
>;

/** Builds the metadata text. Values were validated when the message was built. */
export function encodeMetadata(m: MetadataFields): string {
  return (
    (m.oneway ? '1\n' : '0\n') +
    (m.durable ? '1\n' : '0\n') +
    (m.subscriptionReply ? '1\n' : '0\n') +
    (m.requestId ?? '') + '\n' +
    MessageType[m.type] + '\n' +
    ResponseStatus[m.status] + '\n' +
    (m.queueName ?? '') + '\n' +
    (m.replyToQueueName ?? '') + '\n' +
    m.topics.join(',') + '\n' +
    m.mimetype + '\n' +
    (m.charset ?? '') + '\n' +
    m.id
  );
}

function bad(why: string): never {
  throw new ProtocolError(ErrorCode.BAD_METADATA, `Failed to decode the message meta data: ${why}`);
}

/** Splits like Java's BufferedReader.lines(): LF, CR or CRLF; one final terminator ignored. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.includes('\r') ? text.split(/\r\n|\r|\n/) : text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const INT = /^[+-]?[0-9]+$/;

function parseCode(line: string, what: string): number {
  if (!INT.test(line)) bad(`${what} '${line.slice(0, 20)}' is not an integer`);
  return Number(line);
}

/**
 * Decoded topic lines (the same line repeats from message to message): line → frozen topic
 * list, shared by every message that carries it. Bounded like the intern table; keys are flat
 * copies so they do not keep a metadata text alive.
 */
const TOPIC_LINES_MAX = 1024;
const topicLines = new Map<string, readonly string[]>();

/** Decodes the topic line like Java (split at ` *, *`, trailing empties dropped, de-duplicated). */
export function decodeTopics(line: string): readonly string[] {
  const hit = topicLines.get(line);
  if (hit !== undefined) return hit;
  const out = Object.freeze(parseTopics(line));
  if (topicLines.size < TOPIC_LINES_MAX) topicLines.set(flat(line), out);
  return out;
}

function parseTopics(line: string): string[] {
  const pieces = line.includes(' ') ? line.split(/ *, */) : line.split(',');
  while (pieces.length > 0 && pieces[pieces.length - 1] === '') pieces.pop();
  if (pieces.length === 0) bad('no topic');
  if (pieces.length > MAX_TOPICS) bad(`more than ${MAX_TOPICS} topics`);
  const out: string[] = [];
  for (const t of pieces) {
    const problem = topicProblem(t);
    if (problem !== undefined) bad(`invalid topic: ${problem}`);
    if (!out.includes(t)) out.push(intern(t));
  }
  // An array grown by push keeps spare capacity (17 slots for one topic, ~150 B): a queued
  // message holds its topics for as long as it waits, so hand out an exact copy.
  return out.length === 1 ? [out[0]!] : out.slice();
}

/**
 * V8 keeps substrings of 13 or more characters as *sliced strings* that hold their whole parent
 * alive: every field of a decoded message would keep the whole metadata text. So the fields a
 * message keeps are flat copies, and values that repeat from message to message (mimetype,
 * queue names, topics, charset) are shared through a bounded table.
 */
const INTERN_MAX = 1024;
const interned = new Map<string, string>();

/** A flat copy of `s` (not a slice of a larger string). */
function flat(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/** The shared copy of `s`, or a flat copy once the table is full. */
function intern(s: string): string {
  const hit = interned.get(s);
  if (hit !== undefined) return hit;
  const f = flat(s);
  if (interned.size < INTERN_MAX) interned.set(f, f);
  return f;
}

/** An ASCII string (a UUID) as a flat string. */
function flatAscii(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}

/** Parses metadata text; any violation → ProtocolError (the connection must be closed). */
export function decodeMetadata(text: string): MetadataFields {
  const lines = splitLines(text);
  if (lines.length !== METADATA_LINES) bad(`got ${lines.length} lines instead of ${METADATA_LINES}`);
  const [oneway, durable, subReply, requestId, type, status, queue, replyTo, topics, mimetype, charset, id] = lines as [
    string, string, string, string, string, string, string, string, string, string, string, string,
  ];
  const typeCode = parseCode(type, 'message type');
  const typeName = messageTypeName(typeCode);
  if (typeName === undefined) throw new ProtocolError(ErrorCode.UNKNOWN_TYPE, `Unknown message type code ${typeCode}`);
  const statusCode = parseCode(status, 'response status');
  const statusName = responseStatusName(statusCode);
  if (statusName === undefined) throw new ProtocolError(ErrorCode.UNKNOWN_STATUS, `Unknown response status code ${statusCode}`);
  if (mimetype.length > MAX_MIMETYPE_LENGTH) bad('mimetype longer than 100 characters');
  const cs = javaTrim(charset);
  if (cs.length > MAX_CHARSET_LENGTH) bad('charset longer than 50 characters');
  const uuid = normaliseUuid(javaTrim(id));
  if (uuid === undefined) bad('invalid message id');
  const rid = javaTrim(requestId);
  return {
    oneway: oneway === '1',
    durable: durable === '1',
    subscriptionReply: subReply === '1',
    requestId: rid === '' ? null : flat(rid),
    type: typeName,
    status: statusName,
    queueName: orNull(javaTrim(queue)),
    replyToQueueName: orNull(javaTrim(replyTo)),
    topics: decodeTopics(topics),
    mimetype: intern(mimetype),
    charset: orNull(cs),
    id: flatAscii(uuid),
  };
}

function orNull(s: string): string | null {
  return s === '' ? null : intern(s);
}

const LF = 0x0a;
const CR = 0x0d;
/** [start, end) of each metadata line, filled by {@link lineBounds} (decoding is synchronous). */
const bounds = new Int32Array(2 * METADATA_LINES);

/** Fills {@link bounds}; false unless `b` has exactly 12 LF-separated lines (one final LF ignored). */
function lineBounds(b: Buffer): boolean {
  let start = 0;
  for (let i = 0; i < METADATA_LINES - 1; i++) {
    const lf = b.indexOf(LF, start);
    if (lf < 0) return false;
    bounds[2 * i] = start;
    bounds[2 * i + 1] = lf;
    start = lf + 1;
  }
  let end = b.length;
  if (end > start && b[end - 1] === LF) end--;
  const extra = b.indexOf(LF, start);
  if (end === start || (extra >= 0 && extra < end)) return false; // an empty last line: the text path decides
  bounds[2 * METADATA_LINES - 2] = start;
  bounds[2 * METADATA_LINES - 1] = end;
  return true;
}

/** Line `i` with bytes ≤ 0x20 trimmed from both ends (Java's String.trim), as a flat string. */
function trimmedLine(b: Buffer, i: number): string {
  let s = bounds[2 * i]!;
  let e = bounds[2 * i + 1]!;
  while (s < e && b[s]! <= 0x20) s++;
  while (e > s && b[e - 1]! <= 0x20) e--;
  return s === e ? '' : b.toString('latin1', s, e);
}

/** Line `i` as it is, as a flat string. */
function rawLine(b: Buffer, i: number): string {
  const s = bounds[2 * i]!;
  const e = bounds[2 * i + 1]!;
  return s === e ? '' : b.toString('latin1', s, e);
}

/** Line `i` as a small unsigned decimal code, or -1 when it is anything else. */
function codeLine(b: Buffer, i: number): number {
  const s = bounds[2 * i]!;
  const e = bounds[2 * i + 1]!;
  if (e - s < 1 || e - s > 4) return -1;
  let n = 0;
  for (let k = s; k < e; k++) {
    const d = b[k]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Line `i` is exactly "1". */
function flagLine(b: Buffer, i: number): boolean {
  return bounds[2 * i + 1]! - bounds[2 * i]! === 1 && b[bounds[2 * i]!] === 0x31;
}

/**
 * Parses the metadata frame body straight from its bytes. The common case (ASCII, LF line ends,
 * exactly 12 lines, plain decimal codes, lengths in range, a valid id) is read field by field
 * without building the whole text and slicing it, so every string is flat from the start and
 * needs no copy; anything else goes to {@link decodeMetadata} on the UTF-8 text (`utf8`), so
 * results and errors are exactly the same.
 */
export function decodeMetadataBytes(b: Buffer, utf8: (b: Buffer) => string): MetadataFields {
  if (!isAscii(b) || b.includes(CR) || !lineBounds(b)) return decodeMetadata(utf8(b));
  const type = messageTypeName(codeLine(b, 4));
  const status = responseStatusName(codeLine(b, 5));
  if (
    type === undefined ||
    status === undefined ||
    bounds[19]! - bounds[18]! > MAX_MIMETYPE_LENGTH ||
    bounds[21]! - bounds[20]! > MAX_CHARSET_LENGTH
  ) {
    return decodeMetadata(utf8(b));
  }
  const id = normaliseUuid(trimmedLine(b, 11));
  if (id === undefined) return decodeMetadata(utf8(b));
  const requestId = trimmedLine(b, 3);
  return {
    oneway: flagLine(b, 0),
    durable: flagLine(b, 1),
    subscriptionReply: flagLine(b, 2),
    requestId: requestId === '' ? null : requestId,
    type,
    status,
    queueName: orNull(trimmedLine(b, 6)),
    replyToQueueName: orNull(trimmedLine(b, 7)),
    topics: decodeTopics(rawLine(b, 8)),
    mimetype: intern(rawLine(b, 9)),
    charset: orNull(trimmedLine(b, 10)),
    id,
  };
}
