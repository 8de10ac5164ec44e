// The ingest's throughput on one core: the handler called directly (no HTTP), 20-event batches,
// the fs sink on a temp folder. `node examples/ingest/bench/handler.mjs [requests]`.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createIngest } from '../lambda/ingest.mjs';
import { fsSink } from '../lambda/sinks.mjs';

const REQUESTS = Number(process.argv[2] ?? 3000);
const WARMUP = 300;
const BATCH = 20;

// Shaped like the SDK's events (about 700 bytes each).
function sdkEvent(i) {
  return {
    event_id: randomUUID(),
    event_name: i % 5 ? 'product_view' : 'page_view',
    event_timestamp: new Date(Date.now() - 1000).toISOString(),
    client_id: '6f1c2b8e-3a4d-4e5f-9a0b-1c2d3e4f5a6b',
    session_id: '01939a1b-2c3d-7e4f-8a9b-0c1d2e3f4a5b',
    session_index: 3,
    session_start: i === 0,
    user_id: 'user_123',
    identity_source: 'cognito',
    login_state: 'logged_in',
    page_url: 'https://shop.example/products/sku-12345?utm_source=newsletter&utm_medium=email',
    page_path: '/products/sku-12345',
    page_title: 'Gaming Laptop 15 inch',
    referrer: 'https://www.google.com/',
    referrer_type: 'search',
    utm_source: 'newsletter',
    utm_medium: 'email',
    utm_campaign: 'december',
    locale: 'en-US',
    timezone: 'Europe/Berlin',
    screen: '1920x1080',
    viewport: '1440x900',
    platform: 'web',
    sdk: 'clickstream-js/0.1.0',
    product_id: `SKU-${12345 + i}`,
    product_name: 'Gaming Laptop 15 inch',
    product_category: 'Laptops',
    product_price: 1299.0,
  };
}

function request() {
  const body = JSON.stringify(Array.from({ length: BATCH }, (_, i) => sdkEvent(i)));
  return {
    version: '2.0',
    headers: { 'content-type': 'text/plain;charset=UTF-8' },
    queryStringParameters: { batch_id: randomUUID(), sent_at: new Date().toISOString() },
    requestContext: { requestId: randomUUID(), timeEpoch: Date.now(),
      http: { method: 'POST', sourceIp: '203.0.113.77', userAgent: 'Mozilla/5.0' } },
    body,
    isBase64Encoded: false,
  };
}

// Sequential calls: one request at a time, as one Lambda execution environment serves them.
async function run(label, sink) {
  const ingest = createIngest({ sink, log: () => {} });
  // Bodies are built up front so only the handler is timed.
  const events = Array.from({ length: WARMUP + REQUESTS }, request);
  for (const e of events.slice(0, WARMUP)) await ingest(e);
  const latencies = [];
  const started = performance.now();
  for (const e of events.slice(WARMUP)) {
    const t0 = performance.now();
    const r = await ingest(e);
    latencies.push(performance.now() - t0);
    if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}: ${r.body}`);
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(3);
  const perSecond = (n) => Math.round(n / seconds);
  console.log(`  ${label}: ${perSecond(REQUESTS * BATCH)} events/s, ${perSecond(REQUESTS)} requests/s, ` +
    `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms per request`);
}

const dir = await mkdtemp(path.join(tmpdir(), 'ingest-bench-'));
try {
  const kib = (Buffer.byteLength(request().body) / 1024).toFixed(1);
  console.log(`ingest handler, ${REQUESTS} requests of ${BATCH} events (${kib} KiB), one core`);
  await run('fs sink (write + fsync + link)', fsSink({ dir }));
  // What the Lambda itself spends per request, storage aside: decode, wasm validation, enrichment.
  await run('no-op sink (validate + enrich)', { put: async () => 'stored' });
} finally {
  await rm(dir, { recursive: true, force: true });
}
