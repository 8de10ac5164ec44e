// The handler's logic against the fs sink: the seed's sample, enrichment, write-once, the contract's
// refusals, storage failures, settings.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createIngest, settingsFromEnv, truncateIp } from '../lambda/ingest.mjs';
import { fsSink } from '../lambda/sinks.mjs';
import { HOUR_PREFIX, SEED_PAGE_VIEW, apiEvent, assertFailures, latin1, listFiles, parseBody, readJson,
  tempDir } from './helpers.mjs';

const BATCH = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const EVENT_ID = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60';

async function setup(t, { settings, sink, ...options } = {}) {
  const dir = await tempDir(t);
  const logs = [];
  const log = (line) => logs.push(JSON.parse(line));
  const ingest = createIngest({ sink: sink ?? fsSink({ dir }), settings, log, ...options });
  return { dir, ingest, logs, files: () => listFiles(dir) };
}

test('the seed page_view → 200, one object under the hour of receipt, enriched', async (t) => {
  const { dir, ingest, files, logs } = await setup(t);
  const r = await ingest(apiEvent({ body: JSON.stringify(SEED_PAGE_VIEW) }));
  assert.equal(r.statusCode, 200);
  assert.equal(r.headers['content-type'], 'application/json');
  assert.deepEqual(parseBody(r), { accepted: 1, rejected: [] });
  const stored = await files();
  assert.equal(stored.length, 1);
  assert.match(stored[0], new RegExp(`^${HOUR_PREFIX}events-[0-9a-f-]{36}\\.json$`));
  const [e] = await readJson(path.join(dir, stored[0]));
  assert.deepEqual({ ...e, event_id: undefined, batch_id: undefined }, {
    ...SEED_PAGE_VIEW,
    event_id: undefined,
    batch_id: undefined,
    timestamp_source: 'client',
    received_at: '2025-12-04T16:00:10.000Z',
    request_id: e.request_id,
    user_agent: 'PostmanRuntime/7.43.0',
    sent_at: null,
    sdk_dropped: 0,
    derived_timestamp: '2025-12-04T16:00:10.000Z', // no sent_at: no skew correction
    source_ip: '203.0.113.0',
  });
  assert.match(e.request_id, /^req-/);
  assert.match(e.event_id, /^[0-9a-f-]{36}$/);
  // No batch_id in the query: the server's UUID names the object and is recorded on the events.
  assert.equal(stored[0], `${HOUR_PREFIX}events-${e.batch_id}.json`);
  assert.deepEqual(logs.map((l) => [l.status, l.accepted, l.rejected, l.key]), [[200, 1, 0, stored[0]]]);
  assert.equal(typeof logs[0].ms, 'number');
});

test('SDK metadata: batch_id names the object, sent_at corrects the client clock, dropped is kept', async (t) => {
  const { dir, ingest, files } = await setup(t);
  const body = JSON.stringify([
    { event_id: EVENT_ID, event_name: 'product_view', event_timestamp: '2025-12-04T15:59:00.000Z' },
    { event_name: 'add_to_cart', event_timestamp: Date.UTC(2025, 11, 4, 15, 59, 30) }, // epoch ms
    { event_name: 'search' }, // no client time
  ]);
  const query = { batch_id: BATCH.toUpperCase(), sent_at: '2025-12-04T16:00:00.000Z', dropped: '3' };
  const r = await ingest(apiEvent({ body, query }));
  assert.deepEqual(parseBody(r), { accepted: 3, rejected: [] });
  assert.deepEqual(await files(), [`${HOUR_PREFIX}events-${BATCH}.json`]);
  const [a, b, c] = await readJson(path.join(dir, HOUR_PREFIX, `events-${BATCH}.json`));
  assert.equal(a.event_id, EVENT_ID); // kept
  assert.equal(a.batch_id, BATCH);
  assert.equal(a.sent_at, '2025-12-04T16:00:00.000Z');
  assert.equal(a.sdk_dropped, 3);
  // The client clock is 10 s behind: created 60 s before sending, received at 16:00:10.
  assert.equal(a.derived_timestamp, '2025-12-04T15:59:10.000Z');
  assert.equal(b.event_timestamp, Date.UTC(2025, 11, 4, 15, 59, 30)); // epoch ms stays as sent
  assert.equal(b.timestamp_source, 'client');
  assert.equal(b.derived_timestamp, '2025-12-04T15:59:40.000Z');
  assert.match(b.event_id, /^[0-9a-f-]{36}$/); // assigned by the server
  assert.equal(c.event_timestamp, '2025-12-04T16:00:10.000Z');
  assert.equal(c.timestamp_source, 'server');
  assert.equal(c.derived_timestamp, '2025-12-04T16:00:10.000Z');
});

test('a batch_id that is not a UUID is replaced by a server UUID; bad sent_at and dropped are ignored', async (t) => {
  const { dir, ingest, files } = await setup(t, { randomUUID: () => '00000000-0000-4000-8000-000000000001' });
  const query = { batch_id: '../../etc/passwd', sent_at: 'Dec 4 2025', dropped: '-1' };
  const body = JSON.stringify({ event_name: 'page_view', event_timestamp: '2025-12-04T16:00:00.000Z' });
  await ingest(apiEvent({ body, query }));
  const key = `${HOUR_PREFIX}events-00000000-0000-4000-8000-000000000001.json`;
  assert.deepEqual(await files(), [key]);
  const [e] = await readJson(path.join(dir, key));
  assert.equal(e.sent_at, null);
  assert.equal(e.sdk_dropped, 0);
  assert.equal(e.derived_timestamp, '2025-12-04T16:00:10.000Z');
});

test('server fields overwrite what a client sends under their names', async (t) => {
  const { dir, ingest, files } = await setup(t, { settings: { sourceIp: 'omit' } });
  const forged = { event_name: 'page_view', received_at: '1999-01-01T00:00:00.000Z', source_ip: '1.2.3.4',
    request_id: 'x', timestamp_source: 'server' };
  await ingest(apiEvent({ body: JSON.stringify(forged) }));
  const [e] = await readJson(path.join(dir, (await files())[0]));
  assert.equal(e.received_at, '2025-12-04T16:00:10.000Z');
  assert.equal('source_ip' in e, false);
  assert.match(e.request_id, /^req-/);
});

test('source IP: truncated (default), full, omit', async (t) => {
  assert.equal(truncateIp('203.0.113.77'), '203.0.113.0');
  assert.equal(truncateIp('2001:db8:85a3:8d3:1319:8a2e:370:7348'), '2001:db8:85a3::');
  assert.equal(truncateIp('2001:0db8::1'), '2001:db8::');
  assert.equal(truncateIp('::1'), '::');
  assert.equal(truncateIp('0:db8:7::1'), '0:db8:7::');
  assert.equal(truncateIp('::ffff:198.51.100.9'), '198.51.100.0');
  assert.equal(truncateIp('fe80::1%eth0'), 'fe80::');
  assert.equal(truncateIp('not an ip'), null);
  for (const [mode, expected] of [['full', '2001:db8:85a3:8d3::7348'], ['truncated', '2001:db8:85a3::']]) {
    const { dir, ingest, files } = await setup(t, { settings: { sourceIp: mode } });
    await ingest(apiEvent({ body: '{"event_name":"page_view"}', sourceIp: '2001:db8:85a3:8d3::7348' }));
    const [e] = await readJson(path.join(dir, (await files())[0]));
    assert.equal(e.source_ip, expected, mode);
  }
});

test('the same batch_id twice → stored once, both answered 200', async (t) => {
  const { dir, ingest, files, logs } = await setup(t);
  const first = apiEvent({ body: JSON.stringify(SEED_PAGE_VIEW), query: { batch_id: BATCH } });
  const retried = JSON.stringify({ ...SEED_PAGE_VIEW, page_url: '/retry' });
  const again = apiEvent({ body: retried, query: { batch_id: BATCH } });
  assert.deepEqual(parseBody(await ingest(first)), { accepted: 1, rejected: [] });
  assert.deepEqual(parseBody(await ingest(again)), { accepted: 1, rejected: [] });
  assert.deepEqual(await files(), [`${HOUR_PREFIX}events-${BATCH}.json`]);
  const [e] = await readJson(path.join(dir, HOUR_PREFIX, `events-${BATCH}.json`));
  assert.equal(e.page_url, '/manual-test'); // the first write stands
  assert.equal(logs[1].duplicate, true);
});

test('the fs sink refuses a second write of a key and leaves no temp file', async (t) => {
  const dir = await tempDir(t);
  const sink = fsSink({ dir });
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => sink.put('a/b/k.json', `[${i}]`)));
  assert.deepEqual(results.filter((r) => r === 'stored').length, 1);
  assert.deepEqual(results.filter((r) => r === 'exists').length, 7);
  assert.deepEqual(await listFiles(dir), ['a/b/k.json']);
  assert.match(await readFile(path.join(dir, 'a/b/k.json'), 'utf8'), /^\[\d\]$/);
});

test('invalid UTF-8 in one event → that event rejected, the others stored', async (t) => {
  const { dir, ingest, files } = await setup(t);
  const body = Buffer.concat([latin1('[{"event_name":"page_view","page_title":"café"},'),
    Buffer.from('{"event_name":"page_view","page_title":"café"}]')]);
  const r = await ingest(apiEvent({ body }));
  assert.equal(r.statusCode, 200);
  assert.deepEqual(parseBody(r), { accepted: 1, rejected: [{ index: 0, error: 'page_title: not valid UTF-8' }] });
  const events = await readJson(path.join(dir, (await files())[0]));
  assert.deepEqual(events.map((e) => e.page_title), ['café']);
});

test('wrong field types → 200 with per-event rejections, valid events stored', async (t) => {
  const { dir, ingest, files } = await setup(t);
  const body = JSON.stringify([{ event_name: 'add_to_cart', product_price: '12.5' },
    { event_name: 'add_to_cart', product_price: 12.5 }, { event_name: 'x', event_id: 'not-a-uuid' }]);
  const r = await ingest(apiEvent({ body }));
  assert.equal(r.statusCode, 200);
  const answer = parseBody(r);
  assert.equal(answer.accepted, 1);
  assert.deepEqual(answer.rejected.map((x) => x.index), [0, 2]);
  assert.match(answer.rejected[0].error, /^product_price: /);
  assert.match(answer.rejected[1].error, /^event_id: /);
  const events = await readJson(path.join(dir, (await files())[0]));
  assert.deepEqual(events.map((e) => e.product_price), [12.5]);
});

test('gzip + base64 (application/octet-stream) → 200', async (t) => {
  const { dir, ingest, files } = await setup(t);
  const events = Array.from({ length: 50 }, (_, i) => ({ event_name: 'product_view', product_id: `SKU-${i}` }));
  const body = gzipSync(JSON.stringify(events));
  const r = await ingest(apiEvent({ body, headers: { 'content-encoding': 'gzip' } }));
  assert.deepEqual(parseBody(r), { accepted: 50, rejected: [] });
  assert.equal((await readJson(path.join(dir, (await files())[0]))).length, 50);
});

test('the contract refusals (fs sink)', async (t) => {
  const { ingest, files } = await setup(t);
  await assertFailures(t, ingest, files);
  // Still serving after all that (the wasm module survived the deep nesting).
  assert.equal((await ingest(apiEvent({ body: JSON.stringify(SEED_PAGE_VIEW) }))).statusCode, 200);
});

test('an unsupported content-encoding → 415', async (t) => {
  const { ingest, files } = await setup(t);
  const r = await ingest(apiEvent({ body: Buffer.from('x'), headers: { 'content-encoding': 'br' } }));
  assert.equal(r.statusCode, 415);
  assert.deepEqual(await files(), []);
});

test('lowered caps: CLICKSTREAM_MAX_EVENTS / CLICKSTREAM_MAX_BODY_BYTES → 413', async (t) => {
  const settings = settingsFromEnv({ CLICKSTREAM_MAX_EVENTS: '2', CLICKSTREAM_MAX_BODY_BYTES: '200' });
  const { ingest, files } = await setup(t, { settings });
  const status = async (body, headers) => (await ingest(apiEvent({ body, headers }))).statusCode;
  assert.equal(await status(JSON.stringify([{ event_name: 'a' }, { event_name: 'b' }, { event_name: 'c' }])), 413);
  const big = JSON.stringify([{ event_name: 'a', note: 'x'.repeat(200) }]);
  assert.equal(await status(big), 413);
  assert.equal(await status(gzipSync(big), { 'content-encoding': 'gzip' }), 413);
  assert.deepEqual(await files(), []);
  assert.equal(await status(JSON.stringify([{ event_name: 'a' }, { event_name: 'b' }])), 200);
});

test('NDJSON format: .ndjson objects, one event per line', async (t) => {
  const { dir, ingest, files } = await setup(t, { settings: { format: 'ndjson', prefix: 'raw/clicks' } });
  const body = JSON.stringify([{ event_name: 'a' }, { event_name: 'b' }]);
  await ingest(apiEvent({ body, query: { batch_id: BATCH } }));
  assert.deepEqual(await files(), [`raw/clicks/2025/12/04/16/events-${BATCH}.ndjson`]);
  const lines = (await readFile(path.join(dir, (await files())[0]), 'utf8')).split('\n');
  assert.deepEqual(lines.slice(0, 2).map((l) => JSON.parse(l).event_name), ['a', 'b']);
  assert.equal(lines[2], '');
});

test('the hour partition is the UTC hour of receipt (timeEpoch)', async (t) => {
  const { ingest, files } = await setup(t);
  const timeEpoch = Date.UTC(2025, 11, 31, 23, 59, 59, 999);
  await ingest(apiEvent({ body: '{"event_name":"a"}', timeEpoch, query: { batch_id: BATCH } }));
  assert.deepEqual(await files(), [`events/2025/12/31/23/events-${BATCH}.json`]);
});

test('storage down → 503, nothing stored; the retry stores the batch', async (t) => {
  const dir = await tempDir(t);
  const real = fsSink({ dir });
  let failures = 2;
  const sink = {
    put: (...args) => (failures-- > 0 ? Promise.reject(new Error('disk unavailable')) : real.put(...args)),
  };
  const { ingest, logs } = await setup(t, { sink });
  const request = () => apiEvent({ body: JSON.stringify(SEED_PAGE_VIEW), query: { batch_id: BATCH } });
  for (let i = 0; i < 2; i++) {
    const r = await ingest(request());
    assert.equal(r.statusCode, 503);
    assert.deepEqual(parseBody(r), { error: 'storage unavailable' });
    assert.deepEqual(await listFiles(dir), []);
  }
  assert.equal(logs[0].error, 'disk unavailable');
  assert.equal((await ingest(request())).statusCode, 200);
  assert.deepEqual(await listFiles(dir), [`${HOUR_PREFIX}events-${BATCH}.json`]);
});

test('a crash inside the handler → 500 and a log line, not an exception', async (t) => {
  const { ingest, logs } = await setup(t, { sink: { put: () => 'stored' }, now: () => { throw new Error('boom'); } });
  const event = apiEvent({ body: '{"event_name":"a"}' });
  delete event.requestContext.timeEpoch; // makes the ingest call now()
  const r = await ingest(event);
  assert.equal(r.statusCode, 500);
  assert.match(logs[0].error, /boom/);
});

test('settingsFromEnv: defaults, and bad values fail loudly', () => {
  assert.deepEqual(settingsFromEnv({}), {
    sink: 's3', bucket: undefined, s3Endpoint: undefined, dataDir: undefined, prefix: 'events', format: 'json',
    sourceIp: 'truncated', maxBodyBytes: 1048576, maxEvents: 500,
  });
  assert.equal(settingsFromEnv({ CLICKSTREAM_PREFIX: '/raw/events/' }).prefix, 'raw/events');
  assert.throws(() => settingsFromEnv({ CLICKSTREAM_MAX_EVENTS: '501' }), /CLICKSTREAM_MAX_EVENTS/);
  assert.throws(() => settingsFromEnv({ CLICKSTREAM_MAX_BODY_BYTES: '2097152' }), /CLICKSTREAM_MAX_BODY_BYTES/);
  assert.throws(() => settingsFromEnv({ CLICKSTREAM_FORMAT: 'csv' }), /CLICKSTREAM_FORMAT/);
  assert.throws(() => settingsFromEnv({ CLICKSTREAM_SOURCE_IP: 'hashed' }), /CLICKSTREAM_SOURCE_IP/);
  assert.throws(() => settingsFromEnv({ CLICKSTREAM_SINK: 'kinesis' }), /CLICKSTREAM_SINK/);
});

test('the Lambda entry (handler.mjs) with CLICKSTREAM_SINK=fs', async (t) => {
  const dir = await tempDir(t);
  Object.assign(process.env, { CLICKSTREAM_SINK: 'fs', CLICKSTREAM_DATA_DIR: dir, CLICKSTREAM_FORMAT: 'ndjson' });
  t.after(() => {
    for (const k of ['CLICKSTREAM_SINK', 'CLICKSTREAM_DATA_DIR', 'CLICKSTREAM_FORMAT']) delete process.env[k];
  });
  const { handler } = await import('../lambda/handler.mjs');
  const log = t.mock.method(console, 'log', () => {});
  const r = await handler(apiEvent({ body: JSON.stringify(SEED_PAGE_VIEW), query: { batch_id: BATCH } }), {});
  assert.equal(r.statusCode, 200);
  assert.deepEqual(await listFiles(dir), [`${HOUR_PREFIX}events-${BATCH}.ndjson`]);
  assert.equal(log.mock.callCount(), 1);
  assert.equal(JSON.parse(log.mock.calls[0].arguments[0]).status, 200);
});
