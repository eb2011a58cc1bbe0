/**
 * Topics the server keeps inside a stored message to carry at-least-once state that must
 * survive a restart (the stored message is what the write-ahead log records). They are always
 * the last topics of a stored message and are removed before the message is handed out,
 * except the dead-letter topic, which tells a DLQ consumer why the message is there.
 */
import type { Message } from '../message/message.js';
import { MAX_TOPIC_LENGTH } from '../message/validate.js';
import type { DeadLetterReason } from './types.js';

/** Prefix of the delivery-time topic of a delayed offer: `venice-ipc/deliver-at/<ms since epoch>`. */
export const DELIVER_AT_TOPIC = 'venice-ipc/deliver-at/';
/** Prefix of the topic a dead letter carries: `venice-ipc/dead-letter/<reason>/<deliveries>/<source queue>`. */
export const DEAD_LETTER_TOPIC = 'venice-ipc/dead-letter/';

/** The delivery time a stored message carries, or 0 when it has none. */
export function deliverAtOf(msg: Message): number {
  const t = msg.topics[msg.topics.length - 1];
  if (t === undefined || !t.startsWith(DELIVER_AT_TOPIC)) return 0;
  const n = Number(t.slice(DELIVER_AT_TOPIC.length));
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The message without its delivery-time topic (what a consumer gets). */
export function withoutDeliverAt(msg: Message): Message {
  return deliverAtOf(msg) === 0 ? msg : msg.with({ topics: msg.topics.slice(0, -1) });
}

/** Adds a delivery-time topic (the caller checked that there is room for one more topic). */
export function withDeliverAt(msg: Message, dueAt: number): Message {
  return msg.with({ topics: [...msg.topics, `${DELIVER_AT_TOPIC}${dueAt}`] });
}

/** What a dead letter's topic says. */
export interface DeadLetterInfo {
  readonly reason: DeadLetterReason;
  readonly deliveries: number;
  readonly queue: string;
}

/**
 * The message as a dead letter: without its delivery-time topic, with a dead-letter topic
 * (replacing an earlier one, and the last topic when there are already 20), and no expiry.
 */
export function asDeadLetter(msg: Message, info: DeadLetterInfo, maxTopics: number): Message {
  const topics = withoutDeliverAt(msg).topics.filter((t) => !t.startsWith(DEAD_LETTER_TOPIC));
  const short = `${DEAD_LETTER_TOPIC}${info.reason}/${info.deliveries}`;
  // A topic is limited to 100 characters (Java closes a connection on a longer one).
  const tag = short.length + 1 + info.queue.length <= MAX_TOPIC_LENGTH ? `${short}/${info.queue}` : short;
  const kept = topics.length >= maxTopics ? topics.slice(0, maxTopics - 1) : topics;
  // A dead letter does not expire: it waits for someone to look at it.
  return msg.with({ topics: [...kept, tag], expiresAtMillis: -1 });
}

/** The dead-letter topic of a message, if it has one. */
export function deadLetterOf(msg: Message): DeadLetterInfo | undefined {
  const t = msg.topics.find((x) => x.startsWith(DEAD_LETTER_TOPIC));
  if (t === undefined) return undefined;
  const [reason, count, ...queue] = t.slice(DEAD_LETTER_TOPIC.length).split('/');
  if ((reason !== 'maxDeliveries' && reason !== 'expired') || count === undefined) return undefined;
  return { reason, deliveries: Number(count), queue: queue.join('/') };
}

/** The message without its dead-letter topic (a replayed dead letter). */
export function withoutDeadLetter(msg: Message): Message {
  const topics = msg.topics.filter((t) => !t.startsWith(DEAD_LETTER_TOPIC));
  return topics.length === msg.topics.length || topics.length === 0 ? msg : msg.with({ topics });
}
