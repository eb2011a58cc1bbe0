/**
 * Online guessing over many parallel connections, giving up after 150 ms (the early-stop
 * attack): the login throttle bounds the passwords the server checks per user.
 *
 * The bound (src/auth/throttle.ts): after the n-th failure of a user, checks of its passwords
 * start at least base × 2^(n−1) ms apart, at most 16 × base. So in any window of T ms after the
 * fourth failure was recorded, at most 1 + T / (16 × base) passwords are checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthenticator, type Authenticator } from '../../src/auth/authenticator.js';
import { connect, ErrorCode, isIpcError } from '../../src/index.js';
import { SecurePeer, testServer } from '../helpers/secure-peer.js';

const BASE = 20; // authFailureDelay, ms: steady spacing 16 × 20 = 320 ms
const PARALLEL = 24;
const SECONDS = 3;

test('brute force over parallel connections stays under the throttle bound; the right password still works', async (t) => {
  const real = await createAuthenticator({ tom: '3,kio' });
  const checks: Array<{ at: number; ok: boolean; done: number }> = [];
  const counting = {
    get active() {
      return true;
    },
    async verify(user: string, password: string): Promise<boolean> {
      const at = Date.now();
      const ok = await real.verify(user, password);
      checks.push({ at, ok, done: Date.now() });
      return ok;
    },
  } as unknown as Authenticator;
  await using s = await testServer({
    encrypt: true,
    authenticator: counting,
    authFailureDelay: BASE,
    maxConnections: PARALLEL + 8,
    handshakeTimeout: 2000,
  });
  const end = Date.now() + SECONDS * 1000;
  let sent = 0;
  // Half the attackers wait for each answer; the other half give up after 150 ms (early stop).
  const attacker = async (giveUpMs: number): Promise<void> => {
    while (Date.now() < end) {
      const peer = await SecurePeer.open(s.server);
      try {
        await peer.clientConfig();
        await peer.exchangeKeys();
        sent++;
        peer.send({ type: 60, topics: 'authentication', payload: `tom\nguess-${sent}` });
        await peer.next(giveUpMs).catch(() => undefined);
      } catch {
        // closed by the server (evicted or limited): try again
      } finally {
        peer.destroy();
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, (_, i) => attacker(i % 2 === 0 ? 10_000 : 150)));
  const first = checks.find((c) => !c.ok)?.at ?? 0;
  assert.ok(first > 0, 'some guesses were checked');
  // Once the 4th failure is recorded, checks start at least 16 × BASE apart.
  const fourth = [...checks].sort((a, b) => a.done - b.done)[3];
  assert.ok(fourth !== undefined, 'at least four guesses were checked');
  const ramp = fourth.done;
  const steady = checks.filter((c) => c.at > ramp);
  const windowMs = Math.max(0, ...steady.map((c) => c.at)) - ramp; // attempts begun before `end` may still run after it
  const bound = Math.floor((windowMs + 1) / (16 * BASE)) + 1; // +1 ms: Date.now() granularity
  const rate = checks.length / SECONDS;
  t.diagnostic(
    `${sent} guesses sent, ${checks.length} checked during a ${SECONDS} s attack (${rate.toFixed(1)}/s); ` +
      `burst before the first failure ${checks.filter((c) => c.at <= first).length}; steady ${steady.length} in ${windowMs} ms (bound ${bound})`,
  );
  assert.ok(steady.length <= bound, `${steady.length} checked in the steady window, bound ${bound}`);
  assert.ok(sent > checks.length, 'the throttle refused or delayed guesses');
  // The right password is recognised once the attack stops (waiting at most its slot).
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await using c = await connect({ uri: s.server.uri, userName: 'tom', password: '3,kio', handshakeTimeout: 4000 });
      assert.equal(c.serverConfig.authentication, true);
      break;
    } catch (err) {
      if (!isIpcError(err, ErrorCode.AUTH_FAILED) || Date.now() > deadline) throw err;
    }
  }
});
