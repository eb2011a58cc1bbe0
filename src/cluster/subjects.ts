/**
 * Names in the engine (pure). Venice topics may hold `.`, `*`, `>` and any non-blank character,
 * and queue names hold `/`: none of these may appear in a NATS subject token or a stream name.
 * Every name is therefore escaped into one token of `[A-Za-z0-9-_]`: letters, digits and `-`
 * stay, every other UTF-8 byte becomes `_` and two upper-case hex digits (`_` itself is `_5F`).
 * The mapping is injective, so two Venice names never share a subject or a stream.
 */
import { ErrorCode, MessageError } from '../errors.js';
import { queueNameProblem } from '../message/validate.js';

const PLAIN = /[A-Za-z0-9-]/;

/** Escapes a Venice name into one subject token / stream-name part. */
export function escapeName(name: string): string {
  let out = '';
  for (const ch of name) {
    if (PLAIN.test(ch)) {
      out += ch;
      continue;
    }
    for (const b of Buffer.from(ch, 'utf8')) out += `_${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Reverses {@link escapeName}; undefined when `token` is not an escaped name. */
export function unescapeName(token: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    const ch = token[i] as string;
    if (ch === '_') {
      const hex = token.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (PLAIN.test(ch)) {
      bytes.push(ch.charCodeAt(0));
    } else {
      return undefined;
    }
  }
  const s = Buffer.from(bytes).toString('utf8');
  return escapeName(s) === token ? s : undefined;
}

/** The subjects and stream names of one cluster (one prefix). */
export class ClusterNames {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** Subject of a pub/sub topic. */
  topic(topic: string): string {
    return `${this.prefix}.t.${escapeName(topic)}`;
  }

  /**
   * Stream of a shared queue. Throws MessageError (INVALID_QUEUE_NAME) for a name Venice
   * refuses, so that nothing outside Venice's names ever reaches the engine.
   */
  stream(queue: string): string {
    const problem = queueNameProblem(queue);
    if (problem !== undefined) throw new MessageError(ErrorCode.INVALID_QUEUE_NAME, problem);
    return `${this.prefix}-q-${escapeName(queue)}`;
  }

  /** Subject the messages of a shared queue are stored under. */
  queueSubject(queue: string): string {
    return `${this.prefix}.q.${escapeName(queue)}`;
  }

  /** The queue name of one of our streams, or undefined for another stream. */
  queueOfStream(stream: string): string | undefined {
    const head = `${this.prefix}-q-`;
    return stream.startsWith(head) ? unescapeName(stream.slice(head.length)) : undefined;
  }

  /** Subject on which the node holding a temporary queue takes offers from other nodes. */
  tempQueue(queue: string): string {
    return `${this.prefix}.tq.${escapeName(queue)}`;
  }

  /** Subject every node answers with its description (cluster status). */
  get nodes(): string {
    return `${this.prefix}.nodes`;
  }
}

/** Name of the one pull consumer all nodes share per queue stream. */
export const POLL_CONSUMER = 'vipc-poll';
/** Header naming the node a publish came from (so that it is not delivered twice there). */
export const ORIGIN_HEADER = 'Vipc-Origin';
