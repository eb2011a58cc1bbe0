/**
 * Keeps server file paths out of what clients see (docs/security.md "Secrets"): texts the
 * server builds — error answers, the `ipc-server/error` records, status JSON — pass through
 * {@link redactPaths} where they are built ({@link textResponse} and {@link jsonResponse} in
 * responses.ts, `recordError` in the session), whatever layer wrote them. The one exception is
 * `ipc-server/status`, whose `write-ahead-log-dir` is part of the Venice answer.
 */

/** Requests whose server-built answers keep their paths (see above). */
export const UNREDACTED_TOPIC = 'ipc-server/status';

/** An absolute path with at least two segments (`/var/lib/x`, `'/tmp/a/b.wal'`), after a separator. */
const ABSOLUTE_PATH = /(^|[\s'"(=:,[])\/(?:[^\s'"/,)\]]+\/)+[^\s'",)\]]*/g;

/** Replaces absolute file paths in `text` by `<path>`. */
export function redactPaths(text: string): string {
  // Most texts have no slash at all (offer/poll answers): no regular expression run for them.
  return text.includes('/') ? text.replace(ABSOLUTE_PATH, '$1<path>') : text;
}
