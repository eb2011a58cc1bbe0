/**
 * The security flags of the command line: serve with TLS, an ACL (reloaded on SIGHUP without
 * dropping connections) and an allow-list; client commands with --tls-ca.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, plainTextMessage } from '../../src/index.js';
import { makeCerts } from '../helpers/certs.js';
import { runCli, startCliServer } from '../helpers/cli.js';
import { until } from '../helpers/net.js';

test('serve --tls-uri/--tls-cert/--tls-key --acl --allow; send --tls-ca; SIGHUP reloads the ACL, connections stay', async () => {
  const certs = makeCerts();
  try {
    const acl = join(certs.dir, 'acl.json');
    writeFileSync(acl, '{ "anonymous": { "request": ["a"] } }\n');
    const f = (n: string): string => join(certs.dir, n);
    await using server = await startCliServer([
      '--port', '0', '--tls-uri', 'af-inet://127.0.0.1:0', '--tls-cert', f('server.crt'), '--tls-key', f('server.key'),
      '--acl', acl, '--allow', '127.0.0.0/8,::1', '--handshake-timeout', '5000',
    ]);
    await until(() => /TLS listening on (\S+)\n/.test(server.stderr()), 5000, 'the TLS line');
    const tlsUri = (/TLS listening on (\S+)\n/.exec(server.stderr()) as RegExpExecArray)[1] as string;
    const sent = await runCli(['send', '--uri', tlsUri, '--tls-ca', f('ca.crt'), '--topic', 'a', '--text', 'over tls']);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /over tls/);
    const refused = await runCli(['send', '--uri', tlsUri, '--tls-ca', f('ca.crt'), '--topic', 'b', '--text', 'x']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, /NO_PERMISSION|Permission denied/);
    // one connection across the reload
    await using c = await connect({ uri: server.uri });
    assert.equal((await c.send(plainTextMessage('1', 'b', 'x'))).status, 'NO_PERMISSION');
    writeFileSync(acl, '{ "anonymous": { "request": ["b"] } }\n');
    server.child.kill('SIGHUP');
    await until(() => server.stderr().includes('reloaded the ACL'), 5000, 'the reload');
    assert.equal((await c.send(plainTextMessage('2', 'b', 'x'))).status, 'OK');
    writeFileSync(acl, '{ "anonymous": { "request": "b" } }\n');
    server.child.kill('SIGHUP');
    await until(() => server.stderr().includes('ACL not reloaded'), 5000, 'the refused reload');
    assert.match(server.stderr(), /line 1: /);
    assert.equal((await c.send(plainTextMessage('3', 'b', 'x'))).status, 'OK'); // the old policy stays
    // bad flags are usage errors
    const bad = await runCli(['serve', '--port', '0', '--tls-uri', 'af-inet://127.0.0.1:0']);
    assert.equal(bad.code, 64);
    assert.equal((await runCli(['serve', '--no-plain'])).code, 64);
    assert.equal((await runCli(['serve', '--no-plain', '--port', '1', '--tls-uri', 'af-inet://127.0.0.1:0', '--tls-cert', f('server.crt'), '--tls-key', f('server.key')])).code, 64);
    const badAcl = await runCli(['serve', '--port', '0', '--acl', f('server.crt')]);
    assert.notEqual(badAcl.code, 0);
    assert.match(badAcl.stderr, /VIPC_ERR_ACL_INVALID|line 1/);
  } finally {
    certs.cleanup();
  }
});
