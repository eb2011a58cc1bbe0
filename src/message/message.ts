import { ErrorCode, MessageError } from '../errors.js';
import type { MessageTypeName, ResponseStatusName } from '../protocol/codes.js';
import { decodeText } from './charset.js';
import { newMessageId } from './ids.js';
import { parseJsonLossless, writeJson, type JsonNode, type JsonValue } from './json.js';

/** The mimetype of JSON ("Venice data") messages. */
export const JSON_MIMETYPE = 'application/json';
/** Default header timeout of application messages (WIRE §9.1). */
export const DEFAULT_MESSAGE_TIMEOUT = 300;

/** Every field of a message, as carried on the wire (WIRE §2–3). */
export interface MessageFields {
  readonly id: string;
  readonly type: MessageTypeName;
  readonly status: ResponseStatusName;
  readonly oneway: boolean;
  readonly durable: boolean;
  /** Internal marker of pub/sub pushes (WIRE §9.3). */
  readonly subscriptionReply: boolean;
  /** Creation time, ms since the epoch. */
  readonly timestamp: number;
  /** Expiry instant in ms since the epoch, or -1 for never. */
  readonly expiresAtMillis: number;
  /** Queue wait in ms for offer/poll, or -1; 300 on most other messages. */
  readonly timeout: number;
  readonly requestId: string | null;
  readonly topics: readonly string[];
  readonly queueName: string | null;
  readonly replyToQueueName: string | null;
  readonly mimetype: string;
  /** Charset name of a text payload; null for a binary message. */
  readonly charset: string | null;
  /** The payload bytes (may alias a receive buffer; treat as read-only). */
  readonly data: Buffer;
}

/** Names accepted by {@link Message.field}, as in Venice's `ipc/message-field`. */
export type MessageFieldName =
  | 'id'
  | 'type'
  | 'oneway?'
  | 'durable?'
  | 'response-status'
  | 'timestamp'
  | 'expires-at'
  | 'request-id'
  | 'topic'
  | 'queue-name'
  | 'reply-to-queue-name'
  | 'payload-mimetype'
  | 'payload-charset'
  | 'payload-text'
  | 'payload-binary'
  | 'payload-venice';

/** The `message->map` view (SEMANTICS §2.5), with Venice's key names and order. */
export interface MessageObject {
  type: MessageTypeName;
  status: ResponseStatusName;
  timestamp: number;
  'expires-at': number | null;
  'request-id': string | null;
  'oneway?': boolean;
  'durable?': boolean;
  topic: string;
  mimetype: string;
  /** Binary messages: the bytes; JSON messages: the parsed value. */
  data?: Uint8Array | JsonValue;
  /** Text messages (other than JSON): the charset name. */
  charset?: string;
  /** Text messages (other than JSON): the decoded text. */
  text?: string;
}

/** An immutable IPC message. */
export interface Message extends MessageFields {
  /** The first topic: the one pub/sub matching and server topics look at. */
  readonly topic: string;
  /** Expiry instant (ms since epoch), or null when the message never expires. */
  readonly expiresAt: number | null;
  /** True when the payload has no charset. */
  readonly isBinary: boolean;
  /** The payload decoded with its charset; MessageError(NOT_TEXT) for binary messages. */
  readonly text: string;
  /** Status is OK. */
  readonly responseOk: boolean;
  /** Status is neither OK nor NULL (Venice `response-err?`). */
  readonly responseErr: boolean;
  /** Parses a JSON payload; MessageError(NOT_JSON) unless mimetype is application/json and text. */
  json<T = JsonValue>(): T;
  /** True when expiresAt is set and strictly before `now`. */
  isExpired(now?: number): boolean;
  /** The oneway flag (Venice `oneway?`). */
  isOneway(): boolean;
  /** Dynamic field access by Venice field name (`ipc/message-field`). */
  field(name: MessageFieldName): unknown;
  /** The `message->map` view as a plain object. */
  toObject(): MessageObject;
  /** Same as {@link toObject}, so `JSON.stringify(message)` gives the JSON view. */
  toJSON(): MessageObject;
  /** The `message->json` text: compact, or pretty with two-space indents (Venice's format). */
  toJsonString(pretty?: boolean): string;
  /** A copy with some fields replaced (not validated: for internal use and tests). */
  with(changes: Partial<MessageFields>): Message;
  /** The multi-line description Venice prints for a message (`Id: … Data: …`). */
  toString(): string;
}

/** What {@link MessageImpl}'s constructor reads: any subset of the fields. */
type FieldChanges = Partial<MessageFields>;
const NO_TOPICS: readonly string[] = Object.freeze([]);

class MessageImpl implements Message {
  readonly id: string;
  readonly type: MessageTypeName;
  readonly status: ResponseStatusName;
  readonly oneway: boolean;
  readonly durable: boolean;
  readonly subscriptionReply: boolean;
  readonly timestamp: number;
  readonly expiresAtMillis: number;
  readonly timeout: number;
  readonly requestId: string | null;
  readonly topics: readonly string[];
  readonly queueName: string | null;
  readonly replyToQueueName: string | null;
  readonly mimetype: string;
  readonly charset: string | null;
  readonly data: Buffer;

  /**
   * `c` over `base` field by field (`with()`), or `c` over the defaults of
   * {@link messageFromFields} when there is no base. No intermediate fields object: in V8
   * (Node 20) that, or an object spread, is a measurable share of decoding a message.
   */
  constructor(c: FieldChanges, base?: MessageImpl) {
    if (base === undefined) {
      this.id = c.id ?? newMessageId();
      this.type = c.type ?? 'NULL';
      this.status = c.status ?? 'NULL';
      this.oneway = c.oneway ?? false;
      this.durable = c.durable ?? false;
      this.subscriptionReply = c.subscriptionReply ?? false;
      this.timestamp = c.timestamp ?? Date.now();
      this.expiresAtMillis = c.expiresAtMillis ?? -1;
      this.timeout = c.timeout ?? DEFAULT_MESSAGE_TIMEOUT;
      this.requestId = c.requestId ?? null;
      this.topics = c.topics ?? NO_TOPICS;
      this.queueName = c.queueName ?? null;
      this.replyToQueueName = c.replyToQueueName ?? null;
      this.mimetype = c.mimetype ?? '';
      this.charset = c.charset ?? null;
      this.data = c.data ?? EMPTY;
    } else {
      this.id = c.id ?? base.id;
      this.type = c.type ?? base.type;
      this.status = c.status ?? base.status;
      this.oneway = c.oneway ?? base.oneway;
      this.durable = c.durable ?? base.durable;
      this.subscriptionReply = c.subscriptionReply ?? base.subscriptionReply;
      this.timestamp = c.timestamp ?? base.timestamp;
      this.expiresAtMillis = c.expiresAtMillis ?? base.expiresAtMillis;
      this.timeout = c.timeout ?? base.timeout;
      this.requestId = c.requestId !== undefined ? c.requestId : base.requestId;
      this.topics = c.topics ?? base.topics;
      this.queueName = c.queueName !== undefined ? c.queueName : base.queueName;
      this.replyToQueueName = c.replyToQueueName !== undefined ? c.replyToQueueName : base.replyToQueueName;
      this.mimetype = c.mimetype ?? base.mimetype;
      this.charset = c.charset !== undefined ? c.charset : base.charset;
      this.data = c.data ?? base.data;
    }
  }

  get topic(): string {
    return this.topics[0] ?? '';
  }

  get expiresAt(): number | null {
    return this.expiresAtMillis < 0 ? null : this.expiresAtMillis;
  }

  get isBinary(): boolean {
    return this.charset === null;
  }

  get text(): string {
    if (this.charset === null) {
      throw new MessageError(ErrorCode.NOT_TEXT, `A binary message (${this.data.length} bytes) has no text payload!`);
    }
    return decodeText(this.data, this.charset);
  }

  get responseOk(): boolean {
    return this.status === 'OK';
  }

  get responseErr(): boolean {
    return this.status !== 'OK' && this.status !== 'NULL';
  }

  json<T = JsonValue>(): T {
    const text = this.#jsonText();
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new MessageError(ErrorCode.NOT_JSON, 'The payload is not valid JSON', { cause: err });
    }
  }

  #jsonText(): string {
    if (this.charset === null) throw new MessageError(ErrorCode.NOT_JSON, 'A binary message can not be converted to JSON data!');
    if (this.mimetype !== JSON_MIMETYPE) {
      throw new MessageError(ErrorCode.NOT_JSON, `A message with mimetype "${this.mimetype}" can not be converted to JSON data!`);
    }
    return this.text;
  }

  isExpired(now: number = Date.now()): boolean {
    return this.expiresAtMillis >= 0 && this.expiresAtMillis < now;
  }

  isOneway(): boolean {
    return this.oneway;
  }

  field(name: MessageFieldName): unknown {
    switch (name) {
      case 'id': return this.id;
      case 'type': return this.type;
      case 'oneway?': return this.oneway;
      case 'durable?': return this.durable;
      case 'response-status': return this.status;
      case 'timestamp': return this.timestamp;
      case 'expires-at': return this.expiresAt;
      case 'request-id': return this.requestId;
      case 'topic': return this.topic;
      case 'queue-name': return this.queueName ?? '';
      case 'reply-to-queue-name': return this.replyToQueueName ?? '';
      case 'payload-mimetype': return this.mimetype;
      case 'payload-charset': return this.charset;
      case 'payload-text': return this.text;
      case 'payload-binary': return this.data;
      case 'payload-venice': return this.json();
      default: {
        const never: never = name;
        throw new MessageError(ErrorCode.INVALID_ARGUMENT, `Invalid message field name :${String(never)}`);
      }
    }
  }

  #head(): MessageObject {
    return {
      type: this.type,
      status: this.status,
      timestamp: this.timestamp,
      'expires-at': this.expiresAt,
      'request-id': this.requestId,
      'oneway?': this.oneway,
      'durable?': this.durable,
      topic: this.topic,
      mimetype: this.mimetype,
    };
  }

  toObject(): MessageObject {
    const o = this.#head();
    if (this.charset === null) o.data = this.data;
    else if (this.mimetype === JSON_MIMETYPE) o.data = this.json();
    else {
      o.charset = this.charset;
      o.text = this.text;
    }
    return o;
  }

  toJSON(): MessageObject {
    return this.toObject();
  }

  toJsonString(pretty = false): string {
    const o: Record<string, unknown> = { ...this.#head() };
    let tail: JsonNode | undefined;
    if (this.charset === null) tail = this.data;
    else if (this.mimetype === JSON_MIMETYPE) tail = parseJsonLossless(this.#jsonText());
    if (tail !== undefined) o['data'] = tail;
    else {
      o['charset'] = this.charset;
      o['text'] = this.text;
    }
    return writeJson(o, pretty);
  }

  with(c: Partial<MessageFields>): Message {
    return new MessageImpl(c, this);
  }

  toString(): string {
    const data = this.charset === null ? `Binary data, ${this.data.length} bytes` : safeText(this);
    // Java cuts to 80 characters including the "... (N)" suffix (seed example 28).
    const suffix = `... (${data.length})`;
    const shown = data.length > 80 ? `${data.slice(0, 80 - suffix.length)}${suffix}` : data;
    return [
      `Id:          ${this.id}`,
      `Request Id:  ${this.requestId ?? '-'}`,
      `Type:        ${this.type}`,
      `Durable:     ${this.durable}`,
      `Response:    ${this.status}`,
      `Oneway:      ${this.oneway}`,
      `Queue:       ${this.queueName ?? '-'}`,
      `Reply Queue: ${this.replyToQueueName ?? '-'}`,
      `Timestamp:   ${localIso(this.timestamp)}`,
      `ExpiresAt:   ${this.expiresAtMillis < 0 ? 'never' : localIso(this.expiresAtMillis)}`,
      `Timeout:     ${this.timeout < 0 ? 'none' : `${this.timeout}ms`}`,
      `Topics:      ${this.topics.join(', ')}`,
      `Mimetype:    ${this.mimetype}`,
      `Charset:     ${this.charset ?? '-'}`,
      `Data:        ${shown}`,
    ].join('\n');
  }
}

function safeText(m: Message): string {
  try {
    return m.text;
  } catch {
    return `Text data, ${m.data.length} bytes`;
  }
}

function localIso(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

const EMPTY = Buffer.alloc(0);

/** Payloads up to this size are copied out of a larger received chunk by {@link ownPayload}. */
export const OWN_PAYLOAD_MAX = 64 * 1024;

/**
 * The payload a decoded message keeps. A payload decoded in place is a view into the socket
 * chunk it arrived in, which also holds headers, metadata and other messages; a message that
 * waits in a queue would keep all of that alive. A small view into a larger buffer is therefore
 * copied (a few hundred nanoseconds for 1 KB); anything else is kept as it is.
 *
 * `exact` (the server, whose queues hold messages for long): the copy gets a buffer of its own
 * size — a copy into Node's shared 8 KB pool would share a slab with transient buffers
 * (measured: ~1.4 KB of slab per queued 1 KB payload). Otherwise (clients) a payload under
 * 4 KiB is copied into the pool, about half the cost (no allocation of its own per message).
 */
export function ownPayload(data: Buffer, exact = true): Buffer {
  if (data.length === 0) return EMPTY;
  if (data.length > OWN_PAYLOAD_MAX || data.buffer.byteLength <= 2 * data.length) return data;
  if (!exact && data.length < POOLED_COPY_MAX) return Buffer.from(data);
  return exactCopy(data);
}

/** A copy of `b` in a buffer of exactly its size (not a slab of Node's pool shared with other buffers). */
export function exactCopy(b: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(b.length);
  b.copy(copy);
  return copy;
}

/** Below this size `Buffer.from` copies into Node's shared pool (half of `Buffer.poolSize`). */
const POOLED_COPY_MAX = Buffer.poolSize >>> 1;

/** Decoded messages whose header had a value out of range, with the reason (see `Header.outOfRange`). */
const headerProblems = new WeakMap<Message, string>();

/** Marks a decoded message whose header had a value out of range (decoder use). */
export function markHeaderOutOfRange(msg: Message, reason: string): void {
  headerProblems.set(msg, reason);
}

/** Why the header of a decoded message was out of range, or undefined (the server refuses such requests). */
export function headerOutOfRange(msg: Message): string | undefined {
  return headerProblems.get(msg);
}

/** Builds a message from fields without validation (decoder and internal use). */
export function messageFromFields(f: Partial<MessageFields> & Pick<MessageFields, 'topics' | 'mimetype'>): Message {
  return new MessageImpl(f);
}

/** True when `v` is a message created by this library. */
export function isMessage(v: unknown): v is Message {
  return v instanceof MessageImpl;
}
