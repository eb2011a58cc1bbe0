// The dashboard at `/` in a real headless Chromium (Debian's chromium driven by playwright-core):
// a queue with messages, connections and traffic must show up live through the event stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { connect, createServer, plainTextMessage } from '../../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

test('the dashboard shows queues with their size, connections and a live message rate', async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'vipc-dashboard-'));
  // The screenshot stays for a human to look at; the browser profile goes.
  t.after(() => rm(join(tmp, 'profile'), { recursive: true, force: true }));
  const walDir = join(tmp, 'wal');
  await mkdir(walDir);
  t.after(() => rm(walDir, { recursive: true, force: true }));
  await using server = await createServer({ port: 0, handler: (m) => m, walDir, http: { port: 0, sampleInterval: 250 } });
  await using a = await connect({ uri: server.uri });
  await using b = await connect({ uri: server.uri });
  await a.createQueue('orders', 20);
  for (let i = 0; i < 7; i++) assert.ok((await a.offer('orders', plainTextMessage(String(i), 'o', `order ${i}`))).responseOk);
  await a.createQueue('audit', 100, { durable: true });
  for (let i = 0; i < 3; i++) assert.ok((await a.offer('audit', plainTextMessage(String(i), 'a', `entry ${i}`, { durable: true }))).responseOk);
  await b.subscribe('prices', () => undefined);

  // Steady traffic while the page is open (paced, bounded; not a synchronisation).
  let sent = 0;
  const traffic = setInterval(() => {
    for (let i = 0; i < 10 && sent < 20_000; i++, sent++) {
      void a.send(plainTextMessage(String(sent), 'echo', 'tick')).catch(() => undefined); // a failure only lowers the rate
      void a.publish(plainTextMessage(String(sent), 'prices', '42')).catch(() => undefined);
    }
  }, 50);
  t.after(() => clearInterval(traffic));

  const context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: { width: 1280, height: 900 },
    timeout: 30_000,
  });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.httpUrl + '/', { timeout: 15_000 });
    assert.equal(await page.title(), 'venice-ipc dashboard');
    // Live values arrive through /events: wait for them under a deadline.
    const live =
      "(() => { const txt = (id) => (document.getElementById(id) || {}).textContent || '';" +
      " return txt('state') === 'live' && txt('connections') === '2' && Number(txt('rate-in').replace(/,/g, '')) > 0; })()";
    await page.waitForFunction(live, undefined, { timeout: 15_000 });
    const row = await page.locator('#queues tr', { hasText: 'orders' }).innerText();
    const cells = row.split('\t').map((c) => c.trim());
    assert.deepEqual([cells[0], cells[2], cells[3]], ['orders', '7', '20'], `queue row: ${row}`);
    assert.ok((await page.locator('#queues tr', { hasText: 'orders' }).locator('.bar > div').getAttribute('style'))?.includes('35%'), 'fill bar at 7/20');
    assert.match(await page.locator('#topics').innerText(), /prices\s+1/);
    assert.match(await page.locator('#uri').innerText(), /^af-inet:\/\/127\.0\.0\.1:\d+$/);
    const rateIn = Number((await page.locator('#rate-in').innerText()).replace(/,/g, ''));
    assert.ok(rateIn > 0, `rate in: ${rateIn}`);
    await page.waitForFunction("((document.querySelector('#chart path') || { getAttribute: () => '' }).getAttribute('d') || '').split('L').length > 3", undefined, {
      timeout: 10_000,
    });
    assert.match(await page.locator('#wal').innerText(), /audit\s+3\s+\d+/);
    assert.deepEqual(errors, [], 'no script errors');
    const shot = join(tmp, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok((await stat(shot)).size > 10_000, 'a screenshot with content');
    console.log(`dashboard screenshot: ${shot}`);
  } finally {
    await context.close();
  }
});
