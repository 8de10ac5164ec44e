// The JS host through the node entry: buffering, delivery, retries, errors, consent, storage.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mock, test } from 'node:test';

import { createTracker } from '../../dist/node.js';
import { clock, FakeStorage, ingest, settle, until } from './helpers.js';

const endpoint = 'http://127.0.0.1:8787/clickstream';
const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url))).version;

test('calls made before the module is ready are replayed in order, at their times', async () => {
  const sink = ingest();
  const c = clock();
  const t = createTracker({ endpoint, fetch: sink.fetch, now: c.now });
  t.track('first', { n: 1 });
  c.t += 1000;
  t.identify('user-7', 'email');
  t.pageView({ n: 2 }, { url: 'https://shop.example/p/1', title: 'P1' });
  c.t += 1000;
  for (let i = 3; i <= 50; i++) t.track('later', { n: i });
  assert.equal(t.stats().tracked, 0, 'nothing ran before ready');
  assert.equal(t.identity().clientId, '');
  await t.ready;
  assert.equal(t.stats().tracked, 50);
  await t.flush();
  const events = sink.delivered();
  assert.deepEqual(events.map((e) => e.n), Array.from({ length: 50 }, (_, i) => i + 1));
  assert.equal(events[0].event_name, 'first');
  assert.equal(events[0].user_id, undefined);
  assert.equal(events[0].event_timestamp, new Date(Date.UTC(2025, 11, 4, 15)).toISOString());
  assert.equal(events[1].event_name, 'page_view');
  assert.equal(events[1].user_id, 'user-7');
  assert.equal(events[1].page_path, '/p/1');
  assert.equal(events[2].event_timestamp, new Date(Date.UTC(2025, 11, 4, 15, 0, 2)).toISOString());
  await t.shutdown();
});

test('events are POSTed as text/plain JSON arrays to endpoint?batch_id&sent_at', async () => {
  const sink = ingest();
  const sent = [];
  const t = createTracker({ endpoint, fetch: sink.fetch, onSent: (n) => sent.push(n) });
  t.track('product_view', { product_id: 'SKU-1', product_price: 12.5 });
  await t.flush();
  assert.equal(sink.requests.length, 1);
  const [r] = sink.requests;
  const url = new URL(r.url);
  assert.equal(url.origin + url.pathname, endpoint);
  assert.match(url.searchParams.get('batch_id'), /^[0-9a-f-]{36}$/);
  assert.match(url.searchParams.get('sent_at'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(r.init.method, 'POST');
  assert.equal(r.init.headers['Content-Type'], 'text/plain;charset=UTF-8');
  assert.equal(r.init.keepalive, true, 'a small batch fits the keepalive budget');
  assert.ok(Array.isArray(r.events));
  const [e] = r.events;
  assert.equal(e.event_name, 'product_view');
  assert.equal(e.product_id, 'SKU-1');
  assert.equal(e.product_price, 12.5);
  assert.equal(e.platform, 'node');
  assert.equal(e.sdk, `clickstream-js/${version}`);
  assert.equal(e.client_id, t.identity().clientId);
  assert.deepEqual(sent, [{ kind: 'sent', batchId: r.batchId, count: 1, message: '' }]);
  assert.equal(t.stats().delivered, 1);
  await t.shutdown();
});

test('text that is not ASCII arrives as it was given, in page fields and in properties',
  async () => {
    const down = ingest(() => 503); // the events stay stored while we look at them
    const storage = new FakeStorage();
    const errors = [];
    const t = createTracker({ endpoint, fetch: down.fetch, storage, retryBaseMs: 60_000,
      onError: (n) => errors.push(n.message) });
    const props = { city: 'Zürich', note: 'café ☕', emoji: '🛒 x', ascii: 'plain' };
    t.pageView({}, { url: 'https://shop.example/ü', title: 'Übersicht – Ärger' });
    t.track('search', props);
    t.track('search', { ...props, long: 'é'.repeat(200) }); // longer than the last argument
    t.track('search', { lone: 'a\ud800b' }); // JSON.stringify escapes it; it is still not UTF-8
    await t.ready;
    await settle(); // after the outbox's microtask
    const stored = storage.keys().filter((k) => k.includes(':e:')).sort()
      .map((k) => JSON.parse(storage.getItem(k)));
    await t.flush();
    const sent = down.requests[0].events;
    assert.equal(stored.length, 3);
    assert.deepEqual(sent, stored, 'what was stored is what is sent');
    const [view, first, second] = sent;
    assert.equal(view.page_title, 'Übersicht – Ärger');
    assert.equal(view.page_url, 'https://shop.example/ü');
    for (const e of [first, second]) {
      assert.equal(e.city, 'Zürich');
      assert.equal(e.note, 'café ☕');
      assert.equal(e.emoji, '🛒 x');
      assert.equal(e.ascii, 'plain');
    }
    assert.equal(second.long, 'é'.repeat(200));
    assert.deepEqual(errors, ['lone: not valid UTF-8']);
    await t.shutdown();
  });

test('503 then 200: the batch is resent with its batch id, each event_id stored once', async () => {
  const sink = ingest((_, n) => (n === 1 ? 503 : 200));
  const t = createTracker({ endpoint, fetch: sink.fetch, retryBaseMs: 20, retryMaxMs: 20 });
  for (let i = 0; i < 5; i++) t.track('click', { i });
  await t.flush();
  assert.equal(sink.requests.length, 1);
  await until(() => t.stats().delivered === 5);
  assert.equal(sink.requests.length, 2);
  assert.equal(sink.requests[1].batchId, sink.requests[0].batchId);
  const ids = sink.delivered().map((e) => e.event_id);
  assert.equal(new Set(ids).size, 5);
  assert.deepEqual(ids, sink.requests[0].events.map((e) => e.event_id));
  assert.equal(t.stats().retries, 1);
  await t.shutdown();
});

test('Retry-After is honoured: no resend before it, one right after', async (ctx) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  ctx.after(() => mock.timers.reset());
  const c = clock();
  const busy = { status: 503, headers: { 'Retry-After': '30' } };
  const sink = ingest((_, n) => (n === 1 ? busy : 200));
  const t = createTracker({ endpoint, fetch: sink.fetch, now: c.now, retryBaseMs: 10 });
  await t.ready;
  t.track('click');
  await t.flush();
  assert.equal(sink.requests.length, 1);
  const advance = async (ms) => {
    c.t += ms;
    mock.timers.tick(ms);
    await settle();
  };
  await advance(29_000);
  assert.equal(sink.requests.length, 1, 'not before Retry-After');
  await advance(1_000);
  assert.equal(sink.requests.length, 2);
  assert.equal(t.stats().delivered, 1);
  await t.shutdown();
});

test('a network error (fetch rejects) is retried', async () => {
  const sink = ingest((_, n) => (n < 3 ? 'network' : 200));
  const t = createTracker({ endpoint, fetch: sink.fetch, retryBaseMs: 10, retryMaxMs: 10 });
  t.track('click');
  await t.flush();
  await until(() => t.stats().delivered === 1);
  assert.equal(sink.requests.length, 3);
  assert.equal(new Set(sink.requests.map((r) => r.batchId)).size, 1);
  assert.equal(t.stats().retries, 2);
  await t.shutdown();
});

test('fetch that throws synchronously counts as a network error, nothing is thrown', async () => {
  let calls = 0;
  const t = createTracker({ endpoint, retryBaseMs: 60_000,
    fetch: () => { calls++; throw new TypeError('no network'); } });
  t.track('click');
  await t.flush();
  assert.equal(calls, 1);
  assert.equal(t.stats().delivered, 0);
  assert.equal(t.stats().retries, 1);
  await t.shutdown();
});

test('an invalid event name goes to onError and is counted', async () => {
  const errors = [];
  const sink = ingest();
  const t = createTracker({ endpoint, fetch: sink.fetch, onError: (n) => errors.push(n) });
  t.track('9 not a name');
  t.track('ok');
  await t.ready;
  assert.equal(errors.length, 1);
  assert.equal(errors[0].kind, 'error');
  assert.equal(errors[0].count, 1);
  assert.match(errors[0].message, /event_name/);
  const circular = {};
  circular.self = circular;
  t.track('cyclic', circular);
  await settle();
  assert.equal(errors.length, 2);
  assert.match(errors[1].message, /not serializable/);
  assert.equal(t.stats().invalid, 1);
  assert.equal(t.stats().tracked, 1);
  await t.shutdown();
});

test('a full queue drops the oldest, reports onDropped and tells the ingest', async () => {
  const dropped = [];
  const sink = ingest();
  const t = createTracker({ endpoint, fetch: sink.fetch, maxQueueEvents: 3, flushAt: 100,
    onDropped: (n) => dropped.push(n) });
  for (let i = 0; i < 5; i++) t.track('click', { i });
  await t.ready;
  assert.deepEqual(dropped.map((n) => [n.kind, n.count]), [['dropped', 1], ['dropped', 1]]);
  assert.equal(t.stats().dropped, 2);
  await t.flush();
  assert.deepEqual(sink.delivered().map((e) => e.i), [2, 3, 4]);
  assert.equal(new URL(sink.requests[0].url).searchParams.get('dropped'), '2');
  await t.shutdown();
});

test('consent pending holds events, granted sends them, denied drops and refuses', async () => {
  const sink = ingest();
  const storage = new FakeStorage();
  const t = createTracker({ endpoint, fetch: sink.fetch, consent: 'pending', storage });
  t.track('held');
  await t.flush();
  assert.equal(sink.requests.length, 0);
  assert.equal(storage.keys().filter((k) => k.includes(':e:')).length, 0, 'pending: not stored');
  t.setConsent('granted');
  await t.flush();
  assert.deepEqual(sink.delivered().map((e) => e.event_name), ['held']);
  t.setConsent('denied');
  t.track('refused');
  await t.flush();
  assert.equal(sink.requests.length, 1);
  assert.equal(t.stats().consentDropped, 1);
  assert.equal(storage.getItem('clickstream:consent'), 'denied');
  await t.shutdown();

  // The stored choice wins over the configured initial consent.
  const again = createTracker({ endpoint, fetch: sink.fetch, consent: 'granted', storage });
  again.track('still_refused');
  await again.flush();
  assert.equal(sink.requests.length, 1);
  await again.shutdown();
});

test('Global Privacy Control and Do Not Track make the initial consent denied', async (ctx) => {
  ctx.after(() => delete globalThis.navigator);
  const run = async (navigator, extra = {}) => {
    Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true });
    const sink = ingest();
    const t = createTracker({ endpoint, fetch: sink.fetch, ...extra });
    t.track('click');
    await t.flush();
    await t.shutdown();
    return sink.requests.length;
  };
  assert.equal(await run({ globalPrivacyControl: true }), 0);
  assert.equal(await run({ globalPrivacyControl: true },
    { respectGlobalPrivacyControl: false }), 1);
  assert.equal(await run({ doNotTrack: '1' }), 1, 'DNT is off by default');
  assert.equal(await run({ doNotTrack: '1' }, { respectDoNotTrack: true }), 0);
});

test('a persisted queue survives a reload and is resent with the same batch id', async () => {
  const storage = new FakeStorage();
  const down = ingest(() => 503);
  const first = createTracker({ endpoint, fetch: down.fetch, storage, retryBaseMs: 60_000 });
  for (let i = 0; i < 3; i++) first.track('click', { i });
  first.track('extra');
  await first.flush();
  assert.equal(down.requests.length, 1);
  const { batchId } = down.requests[0];
  const eventKeys = storage.keys().filter((k) => k.startsWith('clickstream:main:e:'));
  assert.equal(eventKeys.length, 4, 'one key per event');
  assert.ok(storage.getItem('clickstream:main:batches').includes(batchId));
  const identity = first.identity();
  first.track('after_failure');
  await first.shutdown();

  const up = ingest();
  const second = createTracker({ endpoint, fetch: up.fetch, storage });
  await second.flush();
  assert.equal(up.requests[0].batchId, batchId, 'the batch keeps its id across the restart');
  assert.deepEqual(up.requests[0].events.map((e) => e.event_id),
    down.requests[0].events.map((e) => e.event_id));
  assert.deepEqual(up.delivered().map((e) => e.event_name),
    ['click', 'click', 'click', 'extra', 'after_failure']);
  assert.equal(second.identity().clientId, identity.clientId);
  assert.equal(second.identity().sessionId, identity.sessionId);
  assert.equal(storage.keys().filter((k) => k.includes(':e:')).length, 0, 'delivered events go');
  await second.shutdown();
});

test('QuotaExceededError: memory fallback, persistErrors counted, onError once, nothing thrown',
  async () => {
    const storage = new FakeStorage(3000);
    const errors = [];
    const sink = ingest();
    const t = createTracker({ endpoint, fetch: sink.fetch, storage, flushAt: 1000,
      onError: (n) => errors.push(n) });
    for (let i = 0; i < 20; i++) t.track('click', { i });
    await t.ready;
    await settle();
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /QuotaExceededError/);
    const stats = t.stats();
    assert.ok(stats.persistErrors > 0);
    assert.equal(stats.storageErrors, 0, 'events stay in memory: not lost');
    await t.flush();
    assert.equal(sink.delivered().length, 20);
    assert.equal(storage.keys().filter((k) => k.includes(':e:')).length, 0, 'stored ones drain');
    await t.shutdown();
  });

test("storage 'local' without localStorage (node, SSR) falls back to memory", async () => {
  const errors = [];
  const sink = ingest();
  const t = createTracker({ endpoint, fetch: sink.fetch, storage: 'local',
    onError: (n) => errors.push(n) });
  t.track('click');
  await t.flush();
  assert.equal(sink.delivered().length, 1);
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /no localStorage/);
  assert.ok(t.stats().persistErrors > 0);
  await t.shutdown();
});

test('flush() waits for every request; shutdown() flushes, then ignores later calls', async () => {
  const sink = ingest();
  const t = createTracker({ endpoint, fetch: sink.fetch, batchMaxEvents: 10, maxInFlight: 2 });
  for (let i = 0; i < 35; i++) t.track('click', { i });
  await t.flush();
  assert.equal(sink.requests.length, 4);
  assert.equal(t.stats().delivered, 35);
  t.track('last');
  await t.shutdown();
  assert.equal(t.stats().delivered, 36);
  t.track('ignored');
  await t.flush();
  assert.equal(sink.requests.length, 5);
});

test('one timer: the flush interval sends without an explicit flush', async () => {
  const sink = ingest();
  const t = createTracker({ endpoint, fetch: sink.fetch, flushIntervalMs: 20 });
  t.track('click');
  await t.ready;
  assert.equal(sink.requests.length, 0);
  await until(() => sink.requests.length > 0);
  assert.equal(sink.requests.length, 1);
  await t.shutdown();
});

test('identify sets the user on later events; reset starts a new anonymous client', async () => {
  const sink = ingest();
  const t = createTracker({ endpoint, fetch: sink.fetch });
  t.track('anonymous');
  t.identify('user-42', 'email');
  t.track('signed_in');
  t.reset();
  t.track('signed_out');
  t.track(undefined);
  await t.flush();
  const [anonymous, signedIn, signedOut] = sink.delivered();
  assert.equal(anonymous.login_state, 'anonymous');
  assert.equal(signedIn.user_id, 'user-42');
  assert.equal(signedIn.identity_source, 'email');
  assert.equal(signedIn.login_state, 'logged_in');
  assert.equal(signedIn.client_id, anonymous.client_id);
  assert.equal(signedOut.user_id, undefined);
  assert.notEqual(signedOut.client_id, anonymous.client_id);
  assert.notEqual(signedOut.session_id, anonymous.session_id);
  assert.equal(sink.delivered().length, 3, 'a missing event name is refused');
  assert.equal(t.stats().invalid, 1);
  await t.shutdown();
});

test('a missing endpoint is a TypeError at once', () => {
  assert.throws(() => createTracker({}), TypeError);
});
