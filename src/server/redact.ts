/**
 * Keeps server file paths out of what clients see (docs/security.md "Secrets"): texts the
 * server builds — error answers, the `ipc-server/error` records, status JSON — pass through
 * {@link redactPaths} at the response seam (the session), whatever layer wrote them. The one
 * exception is `ipc-server/status`, whose `write-ahead-log-dir` is part of the Venice answer.
 */
import type { Message } from '../message/message.js';
import { isServerBuilt } from './responses.js';

const STATUS_TOPIC = 'ipc-server/status';

/** An absolute path with at least two segments (`/var/lib/x`, `'/tmp/a/b.wal'`), after a separator. */
const ABSOLUTE_PATH = /(^|[\s'"(=:,[])\/(?:[^\s'"/,)\]]+\/)+[^\s'",)\]]*/g;

/** Replaces absolute file paths in `text` by `<path>`. */
export function redactPaths(text: string): string {
  return text.replace(ABSOLUTE_PATH, '$1<path>');
}

/** A server-built response with paths removed from its text or JSON (others are returned as they are). */
export function redactResponse(res: Message): Message {
  // ipc-server/status reports write-ahead-log-dir as Java does; the ACL's `status` permission guards it.
  if (!isServerBuilt(res) || res.topic === STATUS_TOPIC) return res;
  let text: string;
  try {
    text = res.text;
  } catch {
    return res;
  }
  const clean = redactPaths(text);
  return clean === text ? res : res.with({ data: Buffer.from(clean, 'utf8') });
}
