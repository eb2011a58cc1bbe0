/**
 * The authorization feature: one gate, run for every request after the security gate, that
 * maps the request to the permissions it needs ({@link OPERATION_PERMISSIONS}) and asks the
 * ACL. A new request type only needs an entry in that table; a type without an entry needs the
 * admin role (fail closed). Denials answer NO_PERMISSION naming the permission (WIRE §4.2: the
 * status the Java server uses for refusals), are counted, and one-way ones are dropped.
 */
import { loadAcl, type AclPolicy, type Permission } from '../auth/acl.js';
import { AuthError, ErrorCode } from '../errors.js';
import type { Message } from '../message/message.js';
import type { MessageTypeName } from '../protocol/codes.js';
import type { ServerFeature, SessionState } from './core.js';
import { textResponse } from './responses.js';
import { EXT_HELLO_QUEUE, EXT_HELLO_TOPIC } from '../protocol/queue-extension.js';

/** Name under which the feature is installed in `server.features`. */
export const AUTHORIZATION_FEATURE = 'authorization';

/** One permission a request needs, on a queue, topic or nothing. */
export interface Need {
  readonly permission: Permission;
  readonly resource: string;
}

/** How to find what a request needs: `'always'` for requests every client may make. */
export type NeedsOf = 'always' | ((msg: Message, session: SessionState) => readonly Need[]);

function nameInPayload(msg: Message): string {
  try {
    const v = JSON.parse(msg.text) as unknown;
    if (v !== null && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string') return (v as { name: string }).name;
  } catch {
    // the handler answers the malformed request; the gate checks the empty name
  }
  return '';
}

/** A queue operation: free on the connection's own temporary queues. */
function onQueue(permission: Permission): NeedsOf {
  return (msg, session) => {
    const name = msg.queueName ?? '';
    return session.tempQueues.has(name) ? [] : [{ permission, resource: name }];
  };
}

const SERVER_TOPICS: Readonly<Record<string, Permission | 'always'>> = {
  'ipc-server/status': 'status',
  'ipc-server/thread-pool-statistics': 'status',
  'ipc-server/extended-status': 'status',
  'ipc-server/error': 'always', // the connection's own error buffer
};

/** Needs of a POLL of a queue. */
const pollNeeds = onQueue('poll') as (msg: Message, session: SessionState) => readonly Need[];

/**
 * The permissions each request type needs. The queue extension travels as POLLs (lease, ack,
 * nack, extend need `poll` on their queue) and OFFERs (a delayed offer needs `offer`).
 */
export const OPERATION_PERMISSIONS: Partial<Record<MessageTypeName, NeedsOf>> = {
  CLIENT_CONFIG: 'always',
  DIFFIE_HELLMAN_KEY_REQUEST: 'always',
  AUTHENTICATION: 'always',
  HEARTBEAT: 'always',
  TEST: 'always',
  UNSUBSCRIBE: 'always',
  CREATE_TEMP_QUEUE: 'always', // owned by the connection, limited by maxQueues
  RESPONSE: 'always', // answered BAD_REQUEST by the core
  NULL: 'always',
  REQUEST: (msg) => {
    const p = SERVER_TOPICS[msg.topic];
    if (p === 'always') return [];
    if (p !== undefined) return [{ permission: p, resource: msg.topic }];
    return [{ permission: 'request', resource: msg.topic }];
  },
  PUBLISH: (msg) => msg.topics.map((t) => ({ permission: 'publish', resource: t })),
  SUBSCRIBE: (msg) => msg.topics.map((t) => ({ permission: 'subscribe', resource: t })),
  OFFER: onQueue('offer'),
  // The queue extension's hello (a POLL of the reserved queue `wal`) asks nothing of a queue;
  // lease, ack, nack and extend are POLLs of their queue and need `poll` there (docs/protocol.md).
  POLL: (msg, session) => (msg.queueName === EXT_HELLO_QUEUE && msg.topic === EXT_HELLO_TOPIC ? [] : pollNeeds(msg, session)),
  CREATE_QUEUE: (msg) => [{ permission: 'manage', resource: nameInPayload(msg) }],
  REMOVE_QUEUE: (msg) => [{ permission: 'manage', resource: nameInPayload(msg) }],
  STATUS_QUEUE: (msg) => [{ permission: 'manage', resource: nameInPayload(msg) }],
};

const ADMIN_ONLY: ReadonlySet<MessageTypeName> = new Set(['CREATE_QUEUE', 'REMOVE_QUEUE']);

/** Text of a refusal: names the permission and the resource (never the principal's secrets). */
export function deniedText(n: Need): string {
  return n.permission === 'status' || n.permission === 'admin'
    ? `Permission denied: '${n.permission}' is required`
    : `Permission denied: '${n.permission}' on '${n.resource}' is required`;
}

/** The authorization feature (installed by `createServer`). */
export interface AuthorizationFeature extends ServerFeature {
  /** The active policy, or undefined (everything allowed). */
  readonly policy: AclPolicy | undefined;
  /** Requests refused, by permission. */
  readonly denied: ReadonlyMap<Permission, number>;
  /** Re-reads the ACL file (or installs `policy`); on an error the old policy stays. */
  reload(policy?: AclPolicy): Promise<void>;
}

/** Builds the feature; a path is read and validated now. */
export async function createAuthorizationFeature(acl: string | AclPolicy | undefined): Promise<AuthorizationFeature> {
  let policy = typeof acl === 'string' ? await loadAcl(acl) : acl;
  const denied = new Map<Permission, number>();
  const check = (session: SessionState, msg: Message): Need | undefined => {
    if (policy === undefined) return undefined;
    const p = policy;
    const anonymous = !session.authenticated;
    const needsOf = OPERATION_PERMISSIONS[msg.type];
    if (needsOf === 'always') return undefined;
    if (needsOf === undefined) return p.isAdmin(session.principal, anonymous) ? undefined : { permission: 'admin', resource: msg.type };
    if (ADMIN_ONLY.has(msg.type) && p.queueManagement === 'admin' && !p.isAdmin(session.principal, anonymous)) {
      return { permission: 'admin', resource: msg.type };
    }
    return needsOf(msg, session).find((n) => !p.allows(session.principal, anonymous, n.permission, n.resource));
  };
  return {
    get policy() {
      return policy;
    },
    denied,
    async reload(next?: AclPolicy): Promise<void> {
      if (next !== undefined) {
        policy = next;
        return;
      }
      if (typeof acl !== 'string') throw new AuthError(ErrorCode.ACL_INVALID, 'The server was not started with an ACL file to reload');
      policy = await loadAcl(acl);
    },
    gate(ctx, msg) {
      const need = check(ctx.session, msg);
      if (need === undefined) return undefined;
      denied.set(need.permission, (denied.get(need.permission) ?? 0) + 1);
      return msg.oneway ? null : textResponse(msg, 'NO_PERMISSION', deniedText(need));
    },
    statusFields() {
      let n = 0;
      for (const v of denied.values()) n += v;
      return policy === undefined ? {} : { 'permission-denied-count': n };
    },
  };
}
