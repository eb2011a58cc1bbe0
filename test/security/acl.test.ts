/**
 * Authorization: every permission × allowed/denied over a real connection, wildcards, the
 * default and anonymous entries, the admin role, validation naming the line, SIGHUP-style
 * reload without dropping connections.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { parseAcl, type Permission } from '../../src/auth/acl.js';
import { connect, ErrorCode, isIpcError, plainTextMessage, RequestError, type Client } from '../../src/index.js';
import { testServer } from '../helpers/secure-peer.js';

const ACL = `{
  "queueManagement": "acl",
  "admins": ["root"],
  "default": { "queues": { "public-*": ["offer", "poll"] }, "topics": { "news/*": ["subscribe"] } },
  "anonymous": { "request": ["echo"] },
  "principals": {
    "bob": {
      "queues": { "orders": ["offer"], "jobs-*": ["poll", "manage"] },
      "topics": { "news/*": ["publish", "subscribe"] },
      "request": ["svc/*"],
      "status": true
    },
    "svc-*": { "request": ["*"] }
  }
}`;

const USERS = { root: 'pw-root', bob: 'pw-bob', carol: 'pw-carol', 'svc-a': 'pw-svc' };
const QUEUES = ['orders', 'jobs-1', 'public-x', 'private'];

/** Runs one operation and says whether the server allowed it (any answer but NO_PERMISSION). */
async function attempt(c: Client, permission: Permission, resource: string): Promise<{ allowed: boolean; text: string }> {
  const verdict = (status: string, text: string): { allowed: boolean; text: string } => ({ allowed: status !== 'NO_PERMISSION', text });
  const call = async (f: () => Promise<unknown>): Promise<{ allowed: boolean; text: string }> => {
    try {
      await f();
      return verdict('OK', '');
    } catch (err) {
      if (err instanceof RequestError) return verdict(err.status, err.message);
      throw err;
    }
  };
  switch (permission) {
    case 'offer': {
      const r = await c.offer(resource, plainTextMessage('1', 't', 'x'));
      return verdict(r.status, r.text);
    }
    case 'poll': {
      const r = await c.poll(resource);
      return verdict(r.status, r.text);
    }
    case 'manage':
      return call(() => c.queueStatus(resource));
    case 'publish': {
      const r = await c.publish(plainTextMessage('1', resource, 'x'));
      return verdict(r.status, r.text);
    }
    case 'subscribe':
      return call(async () => (await c.subscribe(resource)).unsubscribe());
    case 'request': {
      const r = await c.send(plainTextMessage('1', resource, 'x'));
      return verdict(r.status, r.text);
    }
    case 'status':
      return call(() => c.serverStatus());
    case 'admin':
      return call(async () => {
        await c.createQueue('made-by-client', 1);
        await c.removeQueue('made-by-client');
      });
    default:
      throw new Error(permission satisfies never);
  }
}

// [principal, permission, resource, allowed]
const TABLE: Array<[string, Permission, string, boolean]> = [
  // admin: everything
  ['root', 'offer', 'private', true],
  ['root', 'poll', 'private', true],
  ['root', 'manage', 'private', true],
  ['root', 'publish', 'other', true],
  ['root', 'subscribe', 'other', true],
  ['root', 'request', 'anything', true],
  ['root', 'status', '', true],
  ['root', 'admin', '', true],
  // bob: exact names and wildcards
  ['bob', 'offer', 'orders', true],
  ['bob', 'offer', 'jobs-1', false],
  ['bob', 'poll', 'orders', false],
  ['bob', 'poll', 'jobs-1', true],
  ['bob', 'manage', 'jobs-1', true],
  ['bob', 'manage', 'orders', false],
  ['bob', 'publish', 'news/today', true],
  ['bob', 'publish', 'sports', false],
  ['bob', 'subscribe', 'news/today', true],
  ['bob', 'subscribe', 'sports', false],
  ['bob', 'request', 'svc/echo', true],
  ['bob', 'request', 'echo', false],
  ['bob', 'status', '', true],
  ['bob', 'admin', '', false],
  // carol is not listed: the default entry
  ['carol', 'offer', 'public-x', true],
  ['carol', 'poll', 'public-x', true],
  ['carol', 'offer', 'orders', false],
  ['carol', 'manage', 'public-x', false],
  ['carol', 'publish', 'news/x', false],
  ['carol', 'subscribe', 'news/x', true],
  ['carol', 'request', 'echo', false],
  ['carol', 'status', '', false],
  // a principal pattern
  ['svc-a', 'request', 'anything/at/all', true],
  ['svc-a', 'offer', 'public-x', false],
];

test('ACL: every permission allowed and denied, wildcards, default entry, admin role', async () => {
  const authenticator = await createAuthenticator(USERS);
  await using t = await testServer({ encrypt: true, authenticator, acl: parseAcl(ACL) });
  for (const q of QUEUES) await t.server.createQueue(q, { capacity: 10, type: 'bounded' });
  const clients = new Map<string, Client>();
  try {
    for (const [user, password] of Object.entries(USERS)) clients.set(user, await connect({ uri: t.server.uri, userName: user, password }));
    let denied = 0;
    for (const [who, permission, resource, allowed] of TABLE) {
      const r = await attempt(clients.get(who) as Client, permission, resource);
      assert.equal(r.allowed, allowed, `${who} ${permission} ${resource}: ${r.text}`);
      if (!allowed) {
        denied++;
        // with queueManagement "acl", creating a queue needs 'manage' on it rather than the admin role
        const named = permission === 'admin' ? 'manage' : permission;
        assert.match(r.text, new RegExp(`Permission denied: '${named}'`), `${who} ${permission}: the text names the permission`);
      }
    }
    const status = await (clients.get('root') as Client).extendedStatus();
    assert.equal(status.features['permission-denied-count'], denied);
    assert.equal('permission-denied-count' in (await (clients.get('root') as Client).serverStatus()), false, 'not a Venice status member');
    // the connection's own temporary queue needs no grant
    const carol = clients.get('carol') as Client;
    const tmp = await carol.createTemporaryQueue(2);
    assert.equal((await carol.offer(tmp, plainTextMessage('1', 't', 'x'))).status, 'OK');
    assert.equal((await carol.poll(tmp)).status, 'OK');
  } finally {
    for (const c of clients.values()) await c.close();
  }
});

test('ACL: anonymous clients get the anonymous entry; queueManagement "admin" reserves create/remove', async () => {
  const acl = parseAcl('{ "queueManagement": "admin", "anonymous": { "request": ["echo"], "queues": { "*": ["manage"] } } }');
  await using t = await testServer({ acl });
  await using c = await connect({ uri: t.server.uri });
  assert.equal((await attempt(c, 'request', 'echo')).allowed, true);
  assert.equal((await attempt(c, 'request', 'other')).allowed, false);
  assert.equal((await attempt(c, 'manage', 'q')).allowed, true); // status of a queue: manage
  const create = await attempt(c, 'admin', '');
  assert.equal(create.allowed, false);
  assert.match(create.text, /'admin'/);
  // one-way requests are dropped, and counted
  await c.sendOneway(plainTextMessage(null, 'other', 'x'));
  assert.equal((await c.send(plainTextMessage('1', 'echo', 'after'))).text, 'after');
});

test('ACL files are validated at start with errors naming the line; reload keeps connections', async () => {
  const bad: Array<[string, number, RegExp]> = [
    ['{\n  "principals": {\n    "bob": { "queues": { "q": ["offer", "eat"] } }\n  }\n}', 3, /unknown permission "eat"/],
    ['{\n  "default": {},\n  "oops": 1\n}', 3, /unknown member "oops"/],
    ['{\n  "default": {\n    "status": "yes"\n  }\n}', 3, /"status" must be true or false/],
    ['{\n  "default": { "topics": { "t": ["offer"] } }\n}', 2, /unknown permission "offer"/],
    ['{\n  "admins": ["a",\n  ]\n}', 3, /not valid JSON/],
    ['{ "a": 1, "a": 2 }', 1, /duplicate key/],
  ];
  for (const [text, line, re] of bad) {
    assert.throws(
      () => parseAcl(text, 'acl.json'),
      (err: unknown) => isIpcError(err, ErrorCode.ACL_INVALID) && err.message.startsWith(`acl.json line ${line}: `) && re.test(err.message),
      text,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'vipc-acl-'));
  try {
    const file = join(dir, 'acl.json');
    await writeFile(file, '{\n  "default": { "request": ["a"] }\n}\n');
    const { createServer } = await import('../../src/index.js');
    await writeFile(join(dir, 'broken.json'), '{\n  "default": { "request": "a" }\n}\n');
    await assert.rejects(createServer({ port: 0, acl: join(dir, 'broken.json') }), (err: unknown) => {
      return isIpcError(err, ErrorCode.ACL_INVALID) && /broken\.json line 2: /.test(err.message);
    });
    await using t = await testServer({ acl: file });
    await using c = await connect({ uri: t.server.uri });
    assert.equal((await attempt(c, 'request', 'a')).allowed, true);
    assert.equal((await attempt(c, 'request', 'b')).allowed, false);
    await writeFile(file, '{\n  "default": { "request": ["b"] }\n}\n');
    await t.server.reloadAcl();
    assert.equal((await attempt(c, 'request', 'a')).allowed, false); // same connection, new policy
    assert.equal((await attempt(c, 'request', 'b')).allowed, true);
    await writeFile(file, '{\n  "default": { "request": [1] }\n}\n');
    await assert.rejects(t.server.reloadAcl(), (err: unknown) => isIpcError(err, ErrorCode.ACL_INVALID) && / line 2: /.test(err.message));
    assert.equal((await attempt(c, 'request', 'b')).allowed, true); // the old policy stays
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
