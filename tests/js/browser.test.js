// The browser entry (split build, .wasm located by URL) under a fake DOM in node: page and device
// context, the page lifecycle (beacons, bfcache), localStorage, tabs (Web Locks, the heartbeat
// fallback, orphan adoption, shared client/session/consent). The browser end-to-end suite runs
// the same entry in Chromium.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, test } from 'node:test';

import { createTracker } from '../../dist/index.js';
import { clock, FakeStorage, ingest, settle, until } from './helpers.js';

const endpoint = 'http://127.0.0.1:8787/clickstream';

/** navigator.locks as the host uses it: exclusive locks held until the callback's promise
 * settles; `ifAvailable` gets null when held, otherwise requests wait in line. */
class FakeLocks {
  held = new Set();
  waiting = new Map();
  request(name, options, callback) {
    if (this.held.has(name)) {
      if (options.ifAvailable) return Promise.resolve().then(() => callback(null));
      return new Promise((resolve) => {
        const line = this.waiting.get(name) ?? [];
        line.push(resolve);
        this.waiting.set(name, line);
      }).then(() => this.grant(name, callback));
    }
    this.held.add(name);
    return this.grant(name, callback);
  }
  grant(name, callback) {
    this.held.add(name);
    return Promise.resolve()
      .then(() => callback({ name, mode: 'exclusive' }))
      .finally(() => {
        this.held.delete(name);
        this.waiting.get(name)?.shift()?.();
      });
  }
}

let dom;

function define(name, value) {
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
}

function installDom({ locks = true } = {}) {
  const win = new EventTarget();
  const doc = Object.assign(new EventTarget(), {
    title: 'Home', referrer: 'https://www.google.com/', visibilityState: 'visible' });
  const beacons = [];
  dom = {
    doc, beacons, beaconAnswer: true,
    // Other tabs see a write as a storage event, a task later (this tab too, harmlessly).
    localStorage: new FakeStorage(Infinity, (key, newValue) => setTimeout(() => {
      globalThis.dispatchEvent?.(Object.assign(new Event('storage'),
        { key, newValue, storageArea: dom.localStorage }));
    })),
    locks: locks ? new FakeLocks() : undefined,
  };
  define('window', globalThis);
  define('addEventListener', win.addEventListener.bind(win));
  define('removeEventListener', win.removeEventListener.bind(win));
  define('dispatchEvent', win.dispatchEvent.bind(win));
  define('document', doc);
  define('location', { href: 'https://shop.example/?utm_source=newsletter', pathname: '/' });
  define('navigator', {
    language: 'de-DE',
    locks: dom.locks,
    sendBeacon: (url, body) => {
      beacons.push({ url, body, batchId: new URL(url).searchParams.get('batch_id') });
      return dom.beaconAnswer;
    },
  });
  define('screen', { width: 1920, height: 1080 });
  define('innerWidth', 1280);
  define('innerHeight', 720);
  define('localStorage', dom.localStorage);
  define('sessionStorage', new FakeStorage());
  // The loader fetches the .wasm by URL; node's fetch does not read file: URLs.
  const realFetch = dom.realFetch = globalThis.fetch;
  dom.wasmFetches = 0;
  dom.wasmStatus = 200;
  define('fetch', async (url, init) => {
    if (!String(url).startsWith('file:')) return realFetch(url, init);
    dom.wasmFetches++;
    if (dom.wasmStatus !== 200) return new Response('', { status: dom.wasmStatus });
    return new Response(await readFile(fileURLToPath(url)),
      { headers: { 'Content-Type': 'application/wasm' } });
  });
}

const browserGlobals = ['window', 'addEventListener', 'removeEventListener', 'dispatchEvent',
  'document', 'location', 'navigator', 'screen', 'innerWidth', 'innerHeight', 'localStorage',
  'sessionStorage'];

const open = [];
beforeEach(() => installDom());
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.shutdown())); // also after a failed assertion
  define('fetch', dom.realFetch);
  for (const name of browserGlobals) delete globalThis[name];
});

/** A new tab: its own sessionStorage (a copy for a duplicated tab), the origin's localStorage. */
/** Storage events are tasks (setTimeout here): a later task has seen them. */
const storageEvents = () => new Promise((resolve) => setTimeout(resolve, 2));

function openTab(config, sessionStorage = new FakeStorage()) {
  define('sessionStorage', sessionStorage);
  const t = createTracker({ endpoint, ...config });
  open.push(t);
  return t;
}

function hide() {
  dom.doc.visibilityState = 'hidden';
  dom.doc.dispatchEvent(new Event('visibilitychange'));
}
function show() {
  dom.doc.visibilityState = 'visible';
  dom.doc.dispatchEvent(new Event('visibilitychange'));
}

function queueKeys(queueId) {
  return dom.localStorage.keys().filter((k) => k.startsWith(`clickstream:${queueId}:e:`));
}

// Runs first: the page's compiled module is cached from the first tracker that loads it.
test('a failed wasm download reaches onError and is retried by the next tracker, then cached',
  async () => {
    dom.wasmStatus = 404;
    const errors = [];
    const failed = openTab({ fetch: ingest().fetch, onError: (n) => errors.push(n.message) });
    await assert.rejects(failed.ready, /HTTP 404/);
    assert.match(errors[0], /did not start: clickstream wasm: HTTP 404/);
    dom.wasmStatus = 200;
    const sink = ingest();
    const tabs = [openTab({ fetch: sink.fetch }), openTab({ fetch: sink.fetch })];
    await Promise.all(tabs.map((t) => t.ready));
    assert.equal(dom.wasmFetches, 2, 'one failed download, then one for both trackers');
    tabs[0].track('works');
    await tabs[0].flush();
    assert.deepEqual(sink.delivered().map((e) => e.event_name), ['works']);
  });

test('page views read location/document; later SPA views get the previous URL as referrer',
  async () => {
    const sink = ingest();
    const t = openTab({ fetch: sink.fetch });
    t.pageView();
    location.href = 'https://shop.example/c/shoes';
    location.pathname = '/c/shoes';
    document.title = 'Shoes';
    t.pageView({ category: 'shoes' });
    define('innerWidth', 390);
    define('innerHeight', 844);
    dispatchEvent(new Event('resize'));
    t.track('scroll');
    await t.flush();
    const [home, shoes, scroll] = sink.delivered();
    assert.equal(home.page_url, 'https://shop.example/?utm_source=newsletter');
    assert.equal(home.page_path, '/');
    assert.equal(home.page_title, 'Home');
    assert.equal(home.utm_source, 'newsletter');
    assert.equal(home.locale, 'de-DE');
    assert.equal(home.screen, '1920x1080');
    assert.equal(home.viewport, '1280x720');
    assert.equal(home.platform, 'web');
    assert.match(home.timezone, /\w/);
    assert.equal(shoes.page_path, '/c/shoes');
    assert.equal(shoes.page_title, 'Shoes');
    assert.equal(shoes.category, 'shoes');
    assert.equal(shoes.session_id, home.session_id);
    assert.equal(scroll.viewport, '390x844');
    assert.equal(scroll.page_path, '/c/shoes');
    await t.shutdown();
  });

test('localStorage holds one key per event under the tab\'s queue id, removed once delivered',
  async () => {
    const down = ingest(() => 503);
    const session = new FakeStorage();
    const t = openTab({ fetch: down.fetch, retryBaseMs: 60_000 }, session);
    for (let i = 0; i < 3; i++) t.track('click', { i });
    await t.flush();
    const queueId = session.getItem('clickstream:queue');
    assert.ok(queueId);
    assert.ok(dom.locks.held.has(`clickstream:queue:${queueId}`), 'the tab holds its queue lock');
    assert.equal(queueKeys(queueId).length, 3);
    assert.ok(dom.localStorage.getItem('clickstream:client'));
    assert.ok(dom.localStorage.getItem('clickstream:session'));
    assert.ok(dom.localStorage.getItem(`clickstream:${queueId}:batches`)
      .includes(down.requests[0].batchId));
    await t.shutdown();
    await settle();
    assert.ok(!dom.locks.held.has(`clickstream:queue:${queueId}`), 'shutdown releases it');
  });

test('hidden: everything leaves as beacons; visible again: unanswered beacons are resent',
  async () => {
    const sink = ingest();
    const t = openTab({ fetch: sink.fetch, flushAt: 1000 });
    for (let i = 0; i < 3; i++) t.track('click', { i });
    await t.ready;
    hide();
    assert.equal(dom.beacons.length, 1);
    assert.equal(sink.requests.length, 0);
    const [beacon] = dom.beacons;
    assert.deepEqual(JSON.parse(beacon.body).map((e) => e.i), [0, 1, 2]);
    assert.ok(new URL(beacon.url).searchParams.get('sent_at'));
    show();
    await t.flush();
    assert.equal(sink.requests.length, 1);
    assert.equal(sink.requests[0].batchId, beacon.batchId, 'same batch: the ingest stores it once');
    const queueId = sessionStorage.getItem('clickstream:queue');
    assert.equal(queueKeys(queueId).length, 0);
    await t.shutdown();
  });

test('a refused beacon falls back to a keepalive fetch', async () => {
  dom.beaconAnswer = false;
  const sink = ingest();
  const t = openTab({ fetch: sink.fetch, flushAt: 1000 });
  t.track('click');
  await t.ready;
  window.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: false }));
  assert.equal(dom.beacons.length, 1);
  assert.equal(sink.requests.length, 1);
  assert.equal(sink.requests[0].init.keepalive, true);
  assert.equal(sink.requests[0].batchId, dom.beacons[0].batchId);
  await t.shutdown();
  assert.equal(t.stats().delivered, 1);
});

test('back from the bfcache (pageshow persisted), beaconed batches are resent', async () => {
  const sink = ingest();
  const t = openTab({ fetch: sink.fetch, flushAt: 1000 });
  t.track('click');
  await t.ready;
  window.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: true }));
  assert.equal(dom.beacons.length, 1);
  window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
  await t.flush();
  assert.equal(sink.requests.length, 1);
  assert.equal(sink.requests[0].batchId, dom.beacons[0].batchId);
  await t.shutdown();
});

test('a reload resumes its own queue (sessionStorage queue id): same batch id', async () => {
  const session = new FakeStorage();
  const down = ingest(() => 503);
  const before = openTab({ fetch: down.fetch, retryBaseMs: 60_000 }, session);
  before.track('click');
  await before.flush();
  await before.shutdown(); // the unloaded page's lock is gone
  const queueId = session.getItem('clickstream:queue');
  const up = ingest();
  const after = openTab({ fetch: up.fetch }, session);
  await after.flush();
  assert.equal(session.getItem('clickstream:queue'), queueId);
  assert.equal(up.requests[0].batchId, down.requests[0].batchId);
  assert.equal(up.requests[0].events[0].event_id, down.requests[0].events[0].event_id);
  await after.shutdown();
});

test('a duplicated tab gets its own queue but shares client and session', async () => {
  const sink = ingest();
  const session = new FakeStorage();
  const a = openTab({ fetch: sink.fetch }, session);
  await a.ready;
  const copy = new FakeStorage();
  copy.setItem('clickstream:queue', session.getItem('clickstream:queue'));
  const b = openTab({ fetch: sink.fetch }, copy);
  await b.ready;
  assert.notEqual(copy.getItem('clickstream:queue'), session.getItem('clickstream:queue'));
  a.track('in_a');
  await storageEvents(); // tab b hears of the session tab a started
  b.track('in_b');
  assert.equal(b.identity().clientId, a.identity().clientId);
  assert.equal(b.identity().sessionId, a.identity().sessionId);
  await Promise.all([a.flush(), b.flush()]);
  assert.equal(sink.requests.length, 2, 'one sender per queue');
  await Promise.all([a.shutdown(), b.shutdown()]);
});

test("a closed tab's queue is adopted, delivered with its batch id, then deleted", async () => {
  const down = ingest(() => 503);
  const closed = openTab({ fetch: down.fetch, retryBaseMs: 60_000 });
  closed.track('left_behind', { n: 1 });
  closed.track('left_behind', { n: 2 });
  await closed.flush();
  await closed.shutdown();
  const orphan = sessionStorage.getItem('clickstream:queue');
  assert.equal(queueKeys(orphan).length, 2);

  const sent = [];
  const sink = ingest();
  const t = openTab({ fetch: sink.fetch, onSent: (n) => sent.push(n) });
  await t.ready;
  await until(() => queueKeys(orphan).length === 0);
  assert.deepEqual(sink.delivered().map((e) => e.n), [1, 2]);
  assert.equal(sink.requests[0].batchId, down.requests[0].batchId);
  assert.equal(sent.length, 1);
  await settle();
  assert.deepEqual(dom.localStorage.keys().filter((k) => k.startsWith(`clickstream:${orphan}:`)),
    []);
  assert.ok(!dom.locks.held.has(`clickstream:queue:${orphan}`));
  assert.equal(t.stats().tracked, 0, 'the adopter only sends');
  await t.shutdown();
});

test('consent denied while an orphan is being adopted: none of it is sent, and it is cleared',
  async () => {
    const down = ingest(() => 503);
    const closed = openTab({ fetch: down.fetch, retryBaseMs: 60_000 });
    closed.track('left_behind');
    await closed.flush();
    await closed.shutdown();
    const orphan = sessionStorage.getItem('clickstream:queue');
    const sink = ingest();
    const t = openTab({ fetch: sink.fetch });
    await t.ready;
    // The adopter's core is instantiated after the tab's own: deny consent while it loads.
    const instantiate = WebAssembly.instantiate;
    WebAssembly.instantiate = (...args) => {
      WebAssembly.instantiate = instantiate;
      t.setConsent('denied');
      return instantiate(...args);
    };
    try {
      await until(() => queueKeys(orphan).length === 0);
    } finally {
      WebAssembly.instantiate = instantiate;
    }
    await settle();
    assert.equal(sink.requests.length, 0, 'nothing sent after the denial');
    assert.ok(!dom.locks.held.has(`clickstream:queue:${orphan}`));
    await t.shutdown();
  });

test('several orphans are adopted one after another', async () => {
  const down = ingest(() => 503);
  const orphans = [];
  for (let n = 0; n < 3; n++) {
    const closed = openTab({ fetch: down.fetch, retryBaseMs: 60_000 });
    closed.track('left_behind', { n });
    await closed.flush();
    await closed.shutdown();
    orphans.push(sessionStorage.getItem('clickstream:queue'));
  }
  await settle();
  const sink = ingest();
  const t = openTab({ fetch: sink.fetch });
  await until(() => orphans.every((q) => queueKeys(q).length === 0));
  assert.deepEqual(sink.delivered().map((e) => e.n).sort(), [0, 1, 2]);
  assert.deepEqual(sink.requests.map((r) => r.batchId).sort(),
    down.requests.map((r) => r.batchId).sort());
  await t.shutdown();
});

test('a live tab\'s queue is never adopted', async () => {
  const down = ingest(() => 503);
  const live = openTab({ fetch: down.fetch, retryBaseMs: 60_000 });
  live.track('mine');
  await live.flush();
  const queueId = sessionStorage.getItem('clickstream:queue');
  const sink = ingest();
  const other = openTab({ fetch: sink.fetch });
  await other.ready;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(sink.requests.length, 0);
  assert.equal(queueKeys(queueId).length, 1);
  await Promise.all([live.shutdown(), other.shutdown()]);
});

test('another tab\'s client, session and consent are adopted from storage events', async () => {
  const sink = ingest();
  const a = openTab({ fetch: sink.fetch });
  const b = openTab({ fetch: sink.fetch });
  await Promise.all([a.ready, b.ready]);
  a.track('first');
  await storageEvents();
  assert.equal(b.identity().sessionId, a.identity().sessionId);
  b.reset(); // sign-out in tab b: a new client and session, for every tab
  assert.notEqual(a.identity().clientId, b.identity().clientId);
  await storageEvents();
  assert.equal(a.identity().clientId, b.identity().clientId);
  b.track('second');
  await storageEvents();
  a.track('third');
  assert.equal(a.identity().sessionId, b.identity().sessionId);
  await Promise.all([a.flush(), b.flush()]);
  const [first, second, third] = [...sink.delivered()].sort((x, y) =>
    x.event_timestamp.localeCompare(y.event_timestamp) || x.event_name.localeCompare(y.event_name));
  assert.notEqual(second.client_id, first.client_id);
  assert.equal(third.client_id, second.client_id);
  assert.equal(third.session_id, second.session_id);
  b.setConsent('denied');
  await storageEvents();
  a.track('refused');
  await a.flush();
  assert.equal(sink.requests.length, 2);
  assert.equal(a.stats().consentDropped, 1);
  await Promise.all([a.shutdown(), b.shutdown()]);
});

test('without Web Locks: heartbeats keep a live queue, a stale one is claimed and adopted',
  async () => {
    installDom({ locks: false });
    const c = clock();
    const down = ingest(() => 503);
    const closed = openTab({ fetch: down.fetch, now: c.now, retryBaseMs: 600_000 });
    closed.track('left_behind');
    await closed.flush();
    const orphan = sessionStorage.getItem('clickstream:queue');
    assert.equal(dom.localStorage.getItem(`clickstream:${orphan}:hb`), String(c.t));
    await closed.shutdown();
    dom.localStorage.setItem(`clickstream:${orphan}:hb`, String(c.t)); // as if it just crashed

    const sink = ingest();
    const early = openTab({ fetch: sink.fetch, now: c.now });
    await early.ready;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(sink.requests.length, 0, 'a fresh heartbeat: not an orphan');
    await early.shutdown();

    c.t += 16_000;
    const late = openTab({ fetch: sink.fetch, now: c.now });
    await late.ready;
    await until(() => queueKeys(orphan).length === 0);
    assert.equal(sink.requests.length, 1);
    assert.equal(sink.requests[0].batchId, down.requests[0].batchId);
    const own = sessionStorage.getItem('clickstream:queue');
    assert.equal(dom.localStorage.getItem(`clickstream:${own}:hb`), String(c.t));
    await late.shutdown();
  });

// The browser artefact has its own allocator (wasm/malloc.cpp) and starts with 16 MB of memory:
// 24 MB of queued events make it grow, and every event must come out as it went in (the loader
// rebuilds its views of the grown memory).
test('a queue larger than the initial wasm memory grows it and loses nothing', async () => {
  const sink = ingest();
  const t = openTab({ fetch: sink.fetch, maxQueueBytes: 64 * 1024 * 1024, flushAt: 1e9 });
  const words = (i) => Array.from({ length: 100 }, (_, k) => `${i}-${k}-`.padEnd(250, 'x'));
  const n = 900;
  for (let i = 0; i < n; i++) t.track('big', { i, words: words(i) });
  await t.flush();
  const got = sink.delivered();
  assert.equal(got.length, n);
  got.forEach((e, i) => {
    assert.equal(e.i, i);
    assert.deepEqual(e.words, words(i));
  });
  assert.equal(t.stats().dropped, 0);
});
