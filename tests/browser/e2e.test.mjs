// Browser end-to-end: the built SDK (dist/) in headless Chromium against a scriptable sink on
// 127.0.0.1. Every assertion counts events by event_id at the sink, i.e. what an ingest stores.
// Run: node --test tests/browser/   (needs dist/ built and /usr/bin/chromium)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, startSink } from './sink.mjs';

let browser; // one per file; every test gets its own context (fresh storage) and sink
before(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});
after(() => browser?.close());

/** A sink and a fresh browser context (empty localStorage) for one test, both closed after it. */
async function setup(t) {
  const sink = await startSink();
  const context = await browser.newContext();
  const problems = []; // page errors and console errors, shown when an assertion fails
  context.on('page', (p) => watch(p, problems));
  t.after(async () => {
    await context.close();
    await sink.close();
  });
  const url = (settings = {}) => `${sink.url}/track.html?${new URLSearchParams(settings)}`;
  /** A new tab on the test page, once its tracker is ready. */
  const open = async (settings) => {
    const page = await context.newPage();
    await load(page, url(settings));
    return page;
  };
  return { sink, context, problems, url, open };
}

function watch(page, problems) {
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
}

async function load(page, url) {
  await page.goto(url);
  await page.evaluate(() => window.cs.ready);
}

/** Polls `read` until `ok(value)`; fails with the last value instead of sleeping a fixed time. */
async function until(what, read, ok, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  let value;
  for (;;) {
    value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const labelled = (events) => events.filter((e) => e.event_name === 'e2e_click');

/** Waits until the sink holds every label, then checks that nothing arrived twice. */
async function arrivedOnce(sink, labels, problems) {
  await until(`${labels.length} labelled events at the sink`,
    () => labelled(sink.events()).length, (n) => n >= labels.length);
  // A duplicate can still be on its way: give a late resend a moment to show up.
  await new Promise((r) => setTimeout(r, 300));
  const events = sink.events();
  const ids = events.map((e) => e.event_id);
  const context = `\nrequests: ${JSON.stringify(sink.requests().map(({ eventIds, ...r }) => r))}` +
    `\npage problems: ${JSON.stringify(problems)}`;
  assert.equal(ids.filter((id) => typeof id !== 'string').length, 0, `events without event_id${context}`);
  assert.equal(new Set(ids).size, ids.length, `an event_id arrived twice${context}`);
  assert.deepEqual(labelled(events).map((e) => e.label).sort(), [...labels].sort(), context);
  return events;
}

const labels = (label, count) => Array.from({ length: count }, (_, i) => `${label}-${i}`);

test('1. normal flush: every event arrives once, as text/plain POSTs answered 200', async (t) => {
  const { sink, problems, open } = await setup(t);
  const page = await open({ flushAt: 5, flushIntervalMs: 200 });
  await page.evaluate(() => window.cs.track(12, 'flush'));
  const events = await arrivedOnce(sink, labels('flush', 12), problems);

  assert.equal(events.filter((e) => e.event_name === 'page_view').length, 1);
  for (const r of sink.requests()) {
    assert.equal(r.method, 'POST');
    assert.equal(r.status, 200);
    assert.equal(r.contentType, 'text/plain;charset=UTF-8');
    assert.match(r.batchId, /^[0-9a-f-]{36}$/);
    assert.match(r.sentAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  // Delivered events leave localStorage.
  await until('an empty stored queue', () => page.evaluate(() => window.cs.stored()), (n) => n === 0);
  const stats = await page.evaluate(() => window.cs.stats());
  assert.equal(stats.delivered, 13);
});

// Nothing is sent before leaving (flushAt and the interval are far away), so whatever arrives
// was drained on pagehide by sendBeacon or a keepalive fetch.
for (const [how, leave] of [
  ['page.goto(about:blank)', (page) => page.goto('about:blank')],
  ['a click on a same-origin link', (page) => Promise.all([page.waitForURL('**/blank.html'),
    page.click('#away')])],
]) {
  test(`2. leaving at once (${how}): all 20 events arrive, none twice`, async (t) => {
    const { sink, problems, open } = await setup(t);
    const page = await open({ flushAt: 1000, flushIntervalMs: 60_000 });
    await page.evaluate(() => window.cs.track(20, 'leave'));
    assert.equal(sink.requests().length, 0, 'nothing may be sent before the page is left');
    await leave(page);
    await arrivedOnce(sink, labels('leave', 20), problems);
    for (const r of sink.requests()) assert.equal(r.contentType, 'text/plain;charset=UTF-8');
  });
}

test('3. 503 then 200: every event arrives once, retries keep their batch_id', async (t) => {
  const { sink, problems, open } = await setup(t);
  sink.failNext(3);
  const page = await open({ flushAt: 5, flushIntervalMs: 100, retryBaseMs: 50, retryMaxMs: 200 });
  await page.evaluate(() => window.cs.track(10, 'retry'));
  await arrivedOnce(sink, labels('retry', 10), problems);

  const requests = sink.requests();
  const failed = requests.filter((r) => r.status === 503);
  assert.equal(failed.length, 3);
  for (const f of failed) {
    const resent = requests.find((r) => r.status === 200 && r.batchId === f.batchId);
    assert.ok(resent, `batch ${f.batchId} answered 503 was never resent with its batch_id`);
    assert.deepEqual(resent.eventIds, f.eventIds, 'a retried batch must carry the same events');
  }
  const stats = await page.evaluate(() => window.cs.stats());
  assert.ok(stats.retries >= 3, `stats.retries ${stats.retries}`);
});

test('4. sink down, events tracked, page reloaded, sink up: every event arrives once', async (t) => {
  const { sink, problems, url, context } = await setup(t);
  const settings = { flushAt: 5, flushIntervalMs: 100, retryBaseMs: 100, retryMaxMs: 400 };
  const page = await context.newPage();
  await load(page, url(settings));
  await until('the first page view', () => sink.events().length, (n) => n === 1);

  await sink.down();
  await page.evaluate(() => window.cs.track(15, 'offline'));
  await until('a failed attempt', () => page.evaluate(() => window.cs.stats()),
    (s) => s.retries >= 1);
  assert.equal(await page.evaluate(() => window.cs.stored()), 15, 'tracked events are in localStorage');
  // With the origin down the reload itself fails: the old document (and its memory) is gone, only
  // localStorage (and the tab's sessionStorage) remain.
  await page.reload().then(() => assert.fail('the reload should fail while the sink is down'),
    (e) => assert.match(e.message, /ERR_CONNECTION_REFUSED/));
  // The error page commits after reload() rejects; until it does the old document lives on and
  // its retry timer could deliver the events from memory.
  await page.waitForURL(/^chrome-error:/);
  assert.equal(labelled(sink.events()).length, 0);

  await sink.up();
  await load(page, url(settings));
  const events = await arrivedOnce(sink, labels('offline', 15), problems);
  // Delivered by the new document, from storage: its tracker counts them, beside its page view.
  assert.equal(events.filter((e) => e.event_name === 'page_view').length, 2);
  await until('the new document to count the delivery', () => page.evaluate(() => window.cs.stats()),
    (s) => s.delivered === 16);
});

/**
 * Two tabs of one context track 30 events each, interleaved; returns what the sink got. With
 * `together` both open at once on an empty storage (as when a browser restores a session): the
 * wasm is answered to both at the same moment, so they race to create the client and the session.
 */
async function twoTabs(t, together) {
  const { sink, problems, context, open } = await setup(t);
  const settings = { flushAt: 5, flushIntervalMs: 100 };
  let tabs;
  if (together) {
    const held = [];
    await context.route('**/clickstream.wasm', (route) => {
      held.push(route);
      if (held.length === 2) for (const r of held) void r.continue();
    });
    tabs = await Promise.all([open({ ...settings, tab: 'tab0' }), open({ ...settings, tab: 'tab1' })]);
  } else {
    tabs = [await open({ ...settings, tab: 'tab0' }), await open({ ...settings, tab: 'tab1' })];
  }
  // Each tab tracks in rounds and yields to the other between them.
  await Promise.all(tabs.map((tab, n) => tab.evaluate(async (label) => {
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 5; i++) window.cs.tracker.track('e2e_click', { label: `${label}-${round * 5 + i}` });
      await new Promise((r) => setTimeout(r, 20));
    }
  }, `tab${n}`)));
  const events = await arrivedOnce(sink, [...labels('tab0', 30), ...labels('tab1', 30)], problems);
  assert.equal(events.length, 62, 'two page views and 60 clicks');
  const identities = await Promise.all(tabs.map((tab) => tab.evaluate(() => window.cs.identity())));
  return { events, identities };
}

function oneClientOneSession({ events, identities }) {
  // e.g. "tab0 page_view: <id>, tab0 e2e_click: <id>, ...": who used which id.
  const per = (field) => [...new Set(events.map((e) =>
    `${e.tab ?? e.label.split('-')[0]} ${e.event_name}: ${e[field]}`))].sort().join(', ');
  assert.equal(new Set(events.map((e) => e.client_id)).size, 1, `client_ids: ${per('client_id')}`);
  assert.equal(new Set(events.map((e) => e.session_id)).size, 1, `session_ids: ${per('session_id')}`);
  assert.deepEqual(identities[0], identities[1], 'both tabs report one identity');
}

test('5a. two tabs tracking at once: no duplicates, one client_id and one session_id', async (t) => {
  oneClientOneSession(await twoTabs(t, false));
});

// The race is timing-dependent, hence several fresh contexts; the first round that splits fails.
test('5b. two tabs opened at once (first visit): one client_id and one session_id', async (t) => {
  for (let round = 0; round < 8; round++) oneClientOneSession(await twoTabs(t, true));
});
