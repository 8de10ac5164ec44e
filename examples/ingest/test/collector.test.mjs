// The local collector: payload-2.0 building as API Gateway does it, CORS, routing, the 10 MB limit,
// and the SDK (node entry) delivering through it exactly once while storage fails.
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createTracker } from '../../../dist/node.js';
import { isTextContentType, startCollector, toApiGatewayEvent } from '../collector.mjs';
import { fsSink } from '../lambda/sinks.mjs';
import { SEED_PAGE_VIEW, TIME_EPOCH, listFiles, readJson, tempDir, until } from './helpers.mjs';

const post = (url, headers, body) => fetch(url, { method: 'POST', headers, body });
const preflight = (url, origin) =>
  fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });

async function collector(t, options = {}) {
  const dataDir = await tempDir(t);
  const c = await startCollector({ dataDir, log: () => {}, ...options });
  t.after(() => c.close());
  return c;
}

// A loopback server that answers with the payload-2.0 event the collector would build.
async function echoServer(t) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => res.end(JSON.stringify(toApiGatewayEvent(req, Buffer.concat(chunks), TIME_EPOCH))));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${server.address().port}`;
}

test('collector: listens on 127.0.0.1 and reports its url and data folder', async (t) => {
  const c = await collector(t);
  assert.match(c.url, /^http:\/\/127\.0\.0\.1:\d+\/clickstream$/);
  assert.equal(path.isAbsolute(c.dataDir), true);
});

test('payload 2.0: text bodies stay strings, other bodies are base64; headers, query, context', async (t) => {
  const base = await echoServer(t);
  const query = 'batch_id=b1&sent_at=2025-12-04T16%3A00%3A00.000Z&x=1&x=2';
  const headers = { 'Content-Type': 'text/plain;charset=UTF-8', 'User-Agent': 'test-agent', 'X-Mixed-Case': 'v',
    cookie: 'a=1; b=2' };
  const text = await (await post(`${base}/clickstream?${query}`, headers, '[{"event_name":"café"}]')).json();
  assert.equal(text.version, '2.0');
  assert.equal(text.routeKey, 'POST /clickstream');
  assert.equal(text.isBase64Encoded, false);
  assert.equal(text.body, '[{"event_name":"café"}]');
  assert.equal(text.headers['content-type'], 'text/plain;charset=UTF-8');
  assert.equal(text.headers['x-mixed-case'], 'v');
  assert.equal('cookie' in text.headers, false);
  assert.deepEqual(text.cookies, ['a=1', 'b=2']);
  assert.equal(text.rawQueryString, query);
  assert.deepEqual(text.queryStringParameters, { batch_id: 'b1', sent_at: '2025-12-04T16:00:00.000Z', x: '1,2' });
  assert.equal(text.requestContext.timeEpoch, TIME_EPOCH);
  assert.equal(text.requestContext.time, '04/Dec/2025:16:00:10 +0000');
  assert.equal(text.requestContext.http.sourceIp, '127.0.0.1');
  assert.equal(text.requestContext.http.userAgent, 'test-agent');
  assert.equal(text.requestContext.http.method, 'POST');
  assert.match(text.requestContext.requestId, /^[0-9a-f-]{36}$/);

  const bytes = Buffer.from([0x1f, 0x8b, 0x00, 0xff, 0x10]);
  const binary = await (await post(`${base}/clickstream`, { 'content-type': 'application/octet-stream' }, bytes))
    .json();
  assert.equal(binary.isBase64Encoded, true);
  assert.equal(binary.body, bytes.toString('base64'));
  assert.equal('queryStringParameters' in binary, false);

  const textTypes = ['text/plain', 'application/json; charset=utf-8', 'application/xml', 'application/javascript',
    'application/ld+json'];
  for (const type of textTypes) assert.equal(isTextContentType(type), true, type);
  for (const type of ['application/octet-stream', 'application/x-www-form-urlencoded', 'image/png', undefined])
    assert.equal(isTextContentType(type), false, String(type));
});

test('collector: text/plain (beacon) and gzip octet-stream store; gzip labelled JSON is mangled (400)', async (t) => {
  const c = await collector(t);
  const plain = await post(c.url, { 'content-type': 'text/plain;charset=UTF-8' }, JSON.stringify([SEED_PAGE_VIEW]));
  assert.deepEqual([plain.status, await plain.json()], [200, { accepted: 1, rejected: [] }]);
  const gz = gzipSync(JSON.stringify([SEED_PAGE_VIEW, SEED_PAGE_VIEW]));
  const zipped = await post(c.url, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' }, gz);
  assert.deepEqual([zipped.status, await zipped.json()], [200, { accepted: 2, rejected: [] }]);
  const mangled = await post(c.url, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gz);
  assert.equal(mangled.status, 400);
  assert.equal((await listFiles(c.dataDir)).length, 2);
});

test('collector: CORS preflight answered by the gateway, allow-origin on responses', async (t) => {
  const any = await collector(t);
  const pre = await fetch(any.url, { method: 'OPTIONS', headers: { origin: 'https://shop.example',
    'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), '*');
  assert.equal(pre.headers.get('access-control-allow-methods'), 'POST');
  assert.match(pre.headers.get('access-control-allow-headers'), /content-type/);
  assert.deepEqual(await listFiles(any.dataDir), []);

  const listed = await collector(t, { allowOrigin: 'https://shop.example, https://main.example.amplifyapp.com' });
  const ok = await preflight(listed.url, 'https://shop.example');
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://shop.example');
  assert.equal(ok.headers.get('vary'), 'origin');
  const other = await preflight(listed.url, 'https://evil.example');
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  assert.equal(other.headers.get('access-control-allow-methods'), null);
  const sent = await post(listed.url, { origin: 'https://shop.example' }, JSON.stringify(SEED_PAGE_VIEW));
  assert.equal(sent.status, 200);
  assert.equal(sent.headers.get('access-control-allow-origin'), 'https://shop.example');
});

test('collector: only POST /clickstream is routed (404 otherwise)', async (t) => {
  const c = await collector(t);
  const root = c.url.replace(/\/clickstream$/, '');
  const routes = [['GET', c.url], ['POST', `${root}/`], ['POST', `${root}/clickstream/x`], ['PUT', c.url]];
  for (const [method, url] of routes) {
    const r = await fetch(url, { method, ...(method !== 'GET' && { body: '{}' }) });
    assert.equal(r.status, 404, `${method} ${url}`);
    assert.deepEqual(await r.json(), { message: 'Not Found' });
  }
  assert.deepEqual(await listFiles(c.dataDir), []);
});

test("collector: API Gateway's 10 MB payload limit → 413", async (t) => {
  const c = await collector(t);
  const r = await post(c.url, { 'content-type': 'text/plain' }, 'x'.repeat(10 * 1024 * 1024 + 1));
  assert.equal(r.status, 413);
  assert.deepEqual(await listFiles(c.dataDir), []);
});

async function storedEventIds(dir) {
  const ids = [];
  for (const f of await listFiles(dir)) for (const e of await readJson(path.join(dir, f))) ids.push(e.event_id);
  return ids;
}

test('collector + SDK: storage down, then answers lost after storing; every event lands exactly once', async (t) => {
  const dataDir = await tempDir(t);
  const real = fsSink({ dir: dataDir });
  let failFirst = 3; // storage down for the first three puts
  const lostOnce = new Set(); // then each key's first successful write "loses" its answer
  const statuses = [];
  const sink = {
    async put(key, body, type) {
      if (failFirst-- > 0) throw new Error('storage down');
      const outcome = await real.put(key, body, type);
      if (!lostOnce.has(key)) {
        lostOnce.add(key);
        throw new Error('timeout after the write');
      }
      return outcome;
    },
  };
  const c = await startCollector({ dataDir, sink, log: (l) => statuses.push(JSON.parse(l).status) });
  t.after(() => c.close());
  const tracker = createTracker({ endpoint: c.url, retryBaseMs: 5, retryMaxMs: 40, batchMaxEvents: 10, flushAt: 10,
    flushIntervalMs: 20 });
  await tracker.ready;
  for (let i = 0; i < 35; i++) tracker.track('add_to_cart', { product_id: `SKU-${i}`, product_price: i });
  await tracker.flush();
  await until(() => tracker.stats().delivered === 35);
  await tracker.shutdown();
  const ids = await storedEventIds(dataDir);
  assert.equal(ids.length, 35);
  assert.equal(new Set(ids).size, 35);
  assert.ok(statuses.filter((s) => s === 503).length >= 3 + 4, statuses.join(','));
  assert.ok(tracker.stats().retries >= 7);
  assert.ok((await listFiles(dataDir)).length >= 4); // batches of at most 10 events
});
