/**
 * Access control lists: per principal, with `*` wildcards, which queues, topics and server
 * functions a client may use (docs/security.md "ACL file"). Parsed and validated once; errors
 * name the file line.
 */
import { readFile } from 'node:fs/promises';
import { AuthError, ErrorCode } from '../errors.js';
import { JsonLineError, parseJsonLines, type JsonLineNode } from './json-lines.js';

/** Every permission an ACL can grant. */
export const PERMISSIONS = ['offer', 'poll', 'manage', 'publish', 'subscribe', 'request', 'status', 'admin'] as const;
/** One permission. */
export type Permission = (typeof PERMISSIONS)[number];

const QUEUE_PERMS: ReadonlySet<string> = new Set(['offer', 'poll', 'manage']);
const TOPIC_PERMS: ReadonlySet<string> = new Set(['publish', 'subscribe']);

/** What one principal (or the default, or anonymous clients) may do. */
interface Grants {
  readonly admin: boolean;
  readonly status: boolean;
  /** [pattern, permissions] in file order. */
  readonly queues: ReadonlyArray<readonly [RegExp, ReadonlySet<string>]>;
  readonly topics: ReadonlyArray<readonly [RegExp, ReadonlySet<string>]>;
  readonly request: readonly RegExp[];
}

const NOTHING: Grants = { admin: false, status: false, queues: [], topics: [], request: [] };

/** A validated ACL. */
export interface AclPolicy {
  /** `'admin'`: only admins may create and remove queues from a client; `'acl'`: the `manage` permission decides. */
  readonly queueManagement: 'admin' | 'acl';
  /**
   * True when `principal` may use `permission` on `resource` (a queue name or topic; ignored for
   * `status` and `admin`). `anonymous` marks a client that did not log in.
   */
  allows(principal: string, anonymous: boolean, permission: Permission, resource: string): boolean;
  /** True when `principal` has the admin role. */
  isAdmin(principal: string, anonymous: boolean): boolean;
}

/** Turns a pattern with `*` (any run of characters) into an anchored RegExp. */
function glob(p: string): RegExp {
  return new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
}

class Policy implements AclPolicy {
  readonly queueManagement: 'admin' | 'acl';
  readonly #exact: Map<string, Grants>;
  readonly #patterns: ReadonlyArray<readonly [RegExp, Grants]>;
  readonly #default: Grants;
  readonly #anonymous: Grants;
  readonly #admins: ReadonlySet<string>;

  constructor(p: {
    queueManagement: 'admin' | 'acl';
    exact: Map<string, Grants>;
    patterns: Array<readonly [RegExp, Grants]>;
    dflt: Grants;
    anonymous: Grants;
    admins: Set<string>;
  }) {
    this.queueManagement = p.queueManagement;
    this.#exact = p.exact;
    this.#patterns = p.patterns;
    this.#default = p.dflt;
    this.#anonymous = p.anonymous;
    this.#admins = p.admins;
  }

  #grants(principal: string, anonymous: boolean): Grants {
    if (anonymous) return this.#anonymous;
    const g = this.#exact.get(principal);
    if (g !== undefined) return g;
    for (const [re, pg] of this.#patterns) if (re.test(principal)) return pg;
    return this.#default;
  }

  isAdmin(principal: string, anonymous: boolean): boolean {
    return (!anonymous && this.#admins.has(principal)) || this.#grants(principal, anonymous).admin;
  }

  allows(principal: string, anonymous: boolean, permission: Permission, resource: string): boolean {
    if (this.isAdmin(principal, anonymous)) return true;
    const g = this.#grants(principal, anonymous);
    switch (permission) {
      case 'admin':
        return false;
      case 'status':
        return g.status;
      case 'request':
        return g.request.some((re) => re.test(resource));
      case 'offer':
      case 'poll':
      case 'manage':
        return g.queues.some(([re, perms]) => perms.has(permission) && re.test(resource));
      case 'publish':
      case 'subscribe':
        return g.topics.some(([re, perms]) => perms.has(permission) && re.test(resource));
      default: {
        const never: never = permission;
        return never;
      }
    }
  }
}

function aclError(where: string, line: number, msg: string, cause?: unknown): AuthError {
  return new AuthError(ErrorCode.ACL_INVALID, `${where} line ${line}: ${msg}`, { cause });
}

type Fail = (line: number, msg: string) => never;

function entriesOf(n: JsonLineNode, what: string, fail: Fail): ReadonlyArray<{ key: string; line: number; value: JsonLineNode }> {
  if (n.kind !== 'object') fail(n.line, `${what} must be an object`);
  return (n as Extract<JsonLineNode, { kind: 'object' }>).entries;
}

function stringsOf(n: JsonLineNode, what: string, fail: Fail): string[] {
  if (n.kind !== 'array') fail(n.line, `${what} must be an array of strings`);
  return (n as Extract<JsonLineNode, { kind: 'array' }>).items.map((i) => {
    if (i.kind !== 'string' || i.value === '') fail(i.line, `${what} must hold non-empty strings`);
    return (i as { value: string }).value;
  });
}

function resourceMap(n: JsonLineNode, what: string, allowed: ReadonlySet<string>, fail: Fail): Array<readonly [RegExp, ReadonlySet<string>]> {
  return entriesOf(n, what, fail).map(({ key, value }) => {
    const perms = stringsOf(value, `${what} "${key}"`, fail);
    for (const p of perms) {
      if (!allowed.has(p)) fail(value.line, `unknown permission "${p}" for ${what} (use ${[...allowed].join(', ')})`);
    }
    return [glob(key), new Set(perms)] as const;
  });
}

function grantsOf(n: JsonLineNode, what: string, fail: Fail): Grants {
  let g: { -readonly [K in keyof Grants]: Grants[K] } = { ...NOTHING };
  for (const { key, line, value } of entriesOf(n, what, fail)) {
    switch (key) {
      case 'admin':
      case 'status':
        if (value.kind !== 'boolean') fail(value.line, `${what}: "${key}" must be true or false`);
        g = { ...g, [key]: (value as { value: boolean }).value };
        break;
      case 'queues':
        g.queues = resourceMap(value, `${what}: queues`, QUEUE_PERMS, fail);
        break;
      case 'topics':
        g.topics = resourceMap(value, `${what}: topics`, TOPIC_PERMS, fail);
        break;
      case 'request':
        g.request = stringsOf(value, `${what}: request`, fail).map(glob);
        break;
      default:
        fail(line, `${what}: unknown member "${key}" (use queues, topics, request, status, admin)`);
    }
  }
  return g;
}

/**
 * Parses and validates ACL file text. `where` names the source in errors (a file name).
 * @throws AuthError `ACL_INVALID` naming the line of the first defect.
 */
export function parseAcl(text: string, where = 'ACL'): AclPolicy {
  const fail: Fail = (line, msg) => {
    throw aclError(where, line, msg);
  };
  let root: JsonLineNode;
  try {
    root = parseJsonLines(text);
  } catch (err) {
    if (err instanceof JsonLineError) throw aclError(where, err.line, `not valid JSON: ${err.message}`, err);
    throw err;
  }
  let queueManagement: 'admin' | 'acl' = 'acl';
  const exact = new Map<string, Grants>();
  const patterns: Array<readonly [RegExp, Grants]> = [];
  const admins = new Set<string>();
  let dflt = NOTHING;
  let anonymous: Grants | undefined;
  for (const { key, line, value } of entriesOf(root, 'the ACL', fail)) {
    switch (key) {
      case 'queueManagement':
        if (value.kind !== 'string' || (value.value !== 'admin' && value.value !== 'acl')) fail(value.line, 'queueManagement must be "admin" or "acl"');
        queueManagement = (value as { value: 'admin' | 'acl' }).value;
        break;
      case 'admins':
        for (const a of stringsOf(value, 'admins', fail)) admins.add(a);
        break;
      case 'default':
        dflt = grantsOf(value, 'default', fail);
        break;
      case 'anonymous':
        anonymous = grantsOf(value, 'anonymous', fail);
        break;
      case 'principals':
        for (const e of entriesOf(value, 'principals', fail)) {
          const g = grantsOf(e.value, `principal "${e.key}"`, fail);
          if (e.key.includes('*')) patterns.push([glob(e.key), g]);
          else exact.set(e.key, g);
        }
        break;
      default:
        fail(line, `unknown member "${key}" (use queueManagement, admins, default, anonymous, principals)`);
    }
  }
  return new Policy({ queueManagement, exact, patterns, dflt, anonymous: anonymous ?? dflt, admins });
}

/**
 * Reads and validates an ACL file.
 * @throws AuthError `ACL_INVALID` when it cannot be read or is invalid (naming the line).
 */
export async function loadAcl(path: string): Promise<AclPolicy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AuthError(ErrorCode.ACL_INVALID, `Cannot read the ACL file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseAcl(text, path);
}
