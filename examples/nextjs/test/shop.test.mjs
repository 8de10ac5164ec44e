// The shop end to end: `next build` + `next start`, the local collector, headless Chromium through
// the seed's scenario (docs/nextjs.md); every assertion reads the files the collector stored.
// Run: node --test examples/nextjs/test/   (needs examples/nextjs/node_modules and /usr/bin/chromium)
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startCollector } from '../../ingest/collector.mjs';
import { CHROMIUM_ARGS } from '../../../tests/browser/sink.mjs';
import { productById } from '../lib/catalog.js';
import { landingUrl, seedScenario } from '../scenario.mjs';
import { buildShop, ensureSdkBuilt, freePort, shopDir, startShop } from '../servers.mjs';
import { format, measure } from '../size.mjs';

let collector, shop, browser, dataDir;
before(async () => {
  ensureSdkBuilt();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'clickstream-shop-'));
  collector = await startCollector({ dataDir, allowOrigin: '*', log: () => {} });
  buildShop(collector.url, { quiet: true });
  shop = await startShop({ endpoint: collector.url, port: await freePort() });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
  await shop?.stop();
  await collector?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Every stored event, in order: by event_timestamp, then batch (UUIDv7: time-ordered), then index. */
async function stored() {
  const events = [];
  for (const entry of await readdir(dataDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.') || !entry.name.endsWith('.json')) continue;
    const batch = JSON.parse(await readFile(path.join(entry.parentPath, entry.name), 'utf8'));
    batch.forEach((e, i) => events.push({ e, i }));
  }
  const key = ({ e, i }) => `${e.event_timestamp} ${e.batch_id} ${String(i).padStart(6, '0')}`;
  return events.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)).map(({ e }) => e);
}

async function until(what, read, ok, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const product = (id) => {
  const { product_id, product_name, product_category, product_price } = productById(id);
  return { product_id, product_name, product_category, product_price };
};

test('the seed scenario: each event once, in order, one session, attribution and identity', async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  const responses = [];
  page.on('response', (r) => {
    if (r.url().startsWith(collector.url)) responses.push({ method: r.request().method(), status: r.status(),
      path: new URL(r.url()).pathname });
  });
  const site = shop.url;
  const orderId = await seedScenario(page, site);

  const pv = (p) => ['page_view', { page_url: `${site}${p}` }];
  const at = (p, name, props = {}) => [name, { page_url: `${site}${p}`, ...props }];
  const laptop = product('sku-12345');
  const monitor = product('sku-22001');
  const keyboard = product('sku-31001');
  const ultrabook = product('sku-12346');
  const expected = [
    ['page_view', { page_url: landingUrl(site) }],
    pv('/signin'),
    at('/signin', 'login'),
    pv('/'),
    pv('/category/laptops'),
    at('/category/laptops', 'search', { search_term: 'monitor' }),
    pv('/search?q=monitor'),
    at('/search?q=monitor', 'product_click', { ...monitor, list: 'search' }),
    pv('/products/sku-22001'),
    at('/products/sku-22001', 'product_view', monitor),
    at('/products/sku-22001', 'product_click', { ...keyboard, list: 'related' }),
    pv('/products/sku-31001'),
    at('/products/sku-31001', 'product_view', keyboard),
    at('/products/sku-31001', 'product_click', { ...laptop, list: 'related' }),
    pv('/products/sku-12345'),
    at('/products/sku-12345', 'product_view', laptop),
    at('/products/sku-12345', 'add_to_cart', { ...laptop, quantity: 1 }),
    pv('/cart'),
    at('/cart', 'remove_from_cart', { ...laptop, quantity: 1 }),
    at('/cart', 'add_to_cart', { ...ultrabook, quantity: 1, list: 'cart' }),
    at('/cart', 'begin_checkout', { value: ultrabook.product_price, currency: 'USD', items: 1 }),
    pv('/checkout'),
    at('/checkout', 'add_shipping_info', { shipping_tier: 'standard', value: ultrabook.product_price }),
    at('/checkout', 'purchase', { transaction_id: orderId, value: ultrabook.product_price, items: 1 }),
    pv(`/order/${orderId}`),
  ];

  await until(`${expected.length} stored events`, stored, (e) => e.length >= expected.length);
  await new Promise((r) => setTimeout(r, 1500)); // a duplicate would arrive with the next flush
  const all = await stored();
  const context = `\nstored: ${JSON.stringify(all.map((e) => [e.event_name, e.page_url]))}` +
    `\nproblems: ${JSON.stringify(problems)}`;
  assert.deepEqual(all.map((e) => e.event_name), expected.map(([name]) => name), context);
  assert.equal(new Set(all.map((e) => e.event_id)).size, all.length, 'an event stored twice');

  all.forEach((e, i) => {
    const [name, fields] = expected[i];
    for (const [k, v] of Object.entries(fields)) assert.deepEqual(e[k], v, `${name} #${i}: ${k}`);
    // The landing's attribution stays on every event of the session.
    assert.equal(e.utm_source, 'google', `${name} #${i}`);
    assert.equal(e.utm_medium, 'cpc');
    assert.equal(e.utm_campaign, 'winter_sale');
    assert.equal(e.gclid, 'Cj0KCQ-test');
    assert.equal(e.referrer_type, 'paid');
  });
  assert.equal(new Set(all.map((e) => e.session_id)).size, 1, 'one session throughout');
  const signedIn = all.findIndex((e) => e.event_name === 'login');
  all.forEach((e, i) => {
    const after = i >= signedIn;
    // Anonymous events leave the identity fields out.
    assert.equal(e.user_id, after ? 'user_123' : undefined, `${e.event_name} #${i}: user_id`);
    assert.equal(e.identity_source, after ? 'cognito-stub' : undefined);
    assert.equal(e.login_state, after ? 'logged_in' : 'anonymous');
  });

  assert.ok(responses.length > 0);
  for (const r of responses) assert.deepEqual(r, { method: 'POST', status: 200, path: '/clickstream' });
  assert.deepEqual(problems, []);
  await page.close();
});

test('landing on a product page: its page view comes first; a query-only navigation is one', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    // A statically rendered page hydrates before any Suspense content: the product's own
    // mount-time event must still follow the page view.
    await page.goto(`${shop.url}/products/sku-22002?utm_source=ad&utm_medium=display`, { waitUntil: 'networkidle' });
    for (const q of ['monitor', 'mouse']) {
      await page.fill('input[name=q]', q);
      await Promise.all([page.waitForURL(`${shop.url}/search?q=${q}`), page.click('button:has-text("Search")')]);
      await page.waitForLoadState('networkidle');
    }
    const mine = async () => (await stored()).filter((e) => e.utm_source === 'ad');
    await until('the landing session\'s 6 events', mine, (e) => e.length >= 6);
    await new Promise((r) => setTimeout(r, 1500));
    const events = await mine();
    assert.deepEqual(events.map((e) => [e.event_name, e.page_url.slice(shop.url.length)]), [
      ['page_view', '/products/sku-22002?utm_source=ad&utm_medium=display'],
      ['product_view', '/products/sku-22002?utm_source=ad&utm_medium=display'],
      ['search', '/products/sku-22002?utm_source=ad&utm_medium=display'],
      ['page_view', '/search?q=monitor'],
      ['search', '/search?q=monitor'],
      ['page_view', '/search?q=mouse'],
    ]);
    for (const e of events) assert.equal(e.referrer_type, 'paid');
  } finally {
    await context.close();
  }
});

test('next dev (StrictMode replays every effect): one page_view per navigation, one product_view', async () => {
  const dev = await startShop({ endpoint: collector.url, port: await freePort(), dev: true });
  const context = await browser.newContext(); // a new client: its events are told apart by session
  try {
    const page = await context.newPage();
    const go = async (click, url) => {
      await Promise.all([page.waitForURL(url), click()]);
      await page.waitForLoadState('networkidle');
    };
    await page.goto(`${dev.url}/?utm_source=dev`, { waitUntil: 'networkidle' });
    await go(() => page.click('text=Laptops'), `${dev.url}/category/laptops`);
    await go(() => page.click('text=Gaming Laptop 15 inch'), `${dev.url}/products/sku-12345`);
    await go(() => page.click('text=Ultrabook 13 inch'), `${dev.url}/products/sku-12346`);
    const mine = async () => (await stored()).filter((e) => e.utm_source === 'dev');
    await until('the dev session\'s 8 events', mine, (e) => e.length >= 8);
    await new Promise((r) => setTimeout(r, 1500)); // a StrictMode duplicate would come with the next flush
    assert.deepEqual((await mine()).map((e) => [e.event_name, e.page_path]), [
      ['page_view', '/'],
      ['page_view', '/category/laptops'],
      ['product_click', '/category/laptops'],
      ['page_view', '/products/sku-12345'],
      ['product_view', '/products/sku-12345'],
      ['product_click', '/products/sku-12345'],
      ['page_view', '/products/sku-12346'],
      ['product_view', '/products/sku-12346'],
    ]);
  } finally {
    await context.close();
    await dev.stop();
  }
});

test('npm run shop starts the collector and the shop and prints both URLs', async () => {
  // dev.mjs writes to .collector-data/ by default; point it at a temp folder instead.
  const data = await mkdtemp(path.join(os.tmpdir(), 'clickstream-shop-dev-'));
  const child = spawn(process.execPath, [path.join(shopDir, 'dev.mjs')], {
    env: { ...process.env, CLICKSTREAM_DATA_DIR: data, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const urls = await until('both URLs', async () => out, (o) => /collector: http/.test(o), 90_000);
    const shopUrl = urls.match(/shop: +(http:\/\/127\.0\.0\.1:\d+)\//)[1];
    const collectorUrl = urls.match(/collector: (http\S+)/)[1];
    assert.equal((await fetch(shopUrl)).status, 200);
    const preflight = await fetch(collectorUrl, { method: 'OPTIONS',
      headers: { origin: shopUrl, 'access-control-request-method': 'POST' } });
    assert.equal(preflight.status, 204);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(data, { recursive: true, force: true });
  }
});

test('the SDK\'s share of the client download (printed; docs/nextjs.md)', async (t) => {
  const m = await measure();
  for (const line of format(m).split('\n')) t.diagnostic(line);
  assert.equal(m.sdk.length >= 1, true, 'the SDK\'s modules found in the chunks');
  assert.equal(m.wasm.length, 1, 'the .wasm emitted as an asset');
});
