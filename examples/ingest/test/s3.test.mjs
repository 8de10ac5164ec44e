// The handler against S3's protocol: s3rver in-process on 127.0.0.1, reached through
// @aws-sdk/client-s3 (path style), as the Lambda reaches S3.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import S3rver from 's3rver';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createTracker } from '../../../dist/node.js';
import { startCollector } from '../collector.mjs';
import { summarize } from '../inspect.mjs';
import { createIngest } from '../lambda/ingest.mjs';
import { s3ClientOptions, s3Sink } from '../lambda/sinks.mjs';
import { HOUR_PREFIX, SEED_PAGE_VIEW, apiEvent, assertFailures, parseBody, tempDir, until } from './helpers.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; // Lambda runs node 22; this machine 20
const BUCKET = 'clickstream-raw-test';
const BATCH = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

async function startS3(t, { directory, port = 0 } = {}) {
  const dir = directory ?? (await tempDir(t, 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory: dir,
    configureBuckets: [{ name: BUCKET }] });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  let running = true;
  const stop = async () => {
    if (running) await server.close();
    running = false;
  };
  t.after(stop);
  return { endpoint, port: address.port, dir, stop };
}

// A client whose commands are recorded; one attempt, so "storage down" answers at once.
function recordingClient(endpoint) {
  const client = new S3Client({ ...s3ClientOptions(endpoint), maxAttempts: 1 });
  const sent = [];
  const send = client.send.bind(client);
  client.send = (command, ...rest) => {
    sent.push({ name: command.constructor.name, input: command.input });
    return send(command, ...rest);
  };
  return { client, sent };
}

async function keys(client) {
  const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (page.Contents ?? []).map((o) => o.Key).sort();
}

async function getJson(client, key) {
  const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse(await object.Body.transformToString());
}

async function setup(t) {
  const s3 = await startS3(t);
  const { client, sent } = recordingClient(s3.endpoint);
  const ingest = createIngest({ sink: s3Sink({ bucket: BUCKET, client }), log: () => {} });
  return { s3, client, sent, ingest };
}

test('s3: the seed page_view → 200 and exactly one object under the hour of receipt', async (t) => {
  const { client, ingest } = await setup(t);
  const r = await ingest(apiEvent({ body: JSON.stringify(SEED_PAGE_VIEW), query: { batch_id: BATCH } }));
  assert.deepEqual(parseBody(r), { accepted: 1, rejected: [] });
  const key = `${HOUR_PREFIX}events-${BATCH}.json`;
  assert.deepEqual(await keys(client), [key]);
  const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
  assert.equal(head.ContentType, 'application/json');
  const [e] = await getJson(client, key);
  assert.equal(e.event_name, 'page_view');
  assert.equal(e.page_url, '/manual-test');
  assert.equal(e.received_at, '2025-12-04T16:00:10.000Z');
  assert.equal(e.batch_id, BATCH);
  assert.equal(e.source_ip, '203.0.113.0');
  assert.equal(e.timestamp_source, 'client');
});

test('s3: the same batch_id twice → both puts carry If-None-Match: * (s3rver ignores it)', async (t) => {
  const { client, sent, ingest } = await setup(t);
  for (let i = 0; i < 2; i++) {
    const r = await ingest(apiEvent({ body: JSON.stringify(SEED_PAGE_VIEW), query: { batch_id: BATCH } }));
    assert.equal(r.statusCode, 200);
  }
  const puts = sent.filter((c) => c.name === 'PutObjectCommand');
  assert.equal(puts.length, 2);
  for (const p of puts) {
    assert.equal(p.input.IfNoneMatch, '*');
    assert.equal(p.input.Key, `${HOUR_PREFIX}events-${BATCH}.json`);
  }
  assert.deepEqual(await keys(client), [`${HOUR_PREFIX}events-${BATCH}.json`]);
});

test("s3: S3's 412 on the second put (the key exists) → 200, as if stored", async () => {
  const precondition = Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
    name: 'PreconditionFailed',
    $metadata: { httpStatusCode: 412 },
  });
  let puts = 0;
  const client = { send: async () => { if (puts++ > 0) throw precondition; } };
  const sink = s3Sink({ bucket: BUCKET, client });
  assert.equal(await sink.put('k.json', '[]', 'application/json'), 'stored');
  assert.equal(await sink.put('k.json', '[]', 'application/json'), 'exists');
  const ingest = createIngest({ sink, log: () => {} });
  const r = await ingest(apiEvent({ body: JSON.stringify(SEED_PAGE_VIEW), query: { batch_id: BATCH } }));
  assert.deepEqual([r.statusCode, parseBody(r)], [200, { accepted: 1, rejected: [] }]);
});

test('s3: the contract refusals store nothing in the bucket', async (t) => {
  const { client, sent, ingest } = await setup(t);
  await assertFailures(t, ingest, () => keys(client));
  assert.equal(sent.filter((c) => c.name === 'PutObjectCommand').length, 0);
});

test('s3: gzip + base64 → 200, one JSON-array object', async (t) => {
  const { client, ingest } = await setup(t);
  const { gzipSync } = await import('node:zlib');
  const body = gzipSync(JSON.stringify([SEED_PAGE_VIEW, { ...SEED_PAGE_VIEW, event_name: 'product_view' }]));
  const r = await ingest(apiEvent({ body, headers: { 'content-encoding': 'gzip' }, query: { batch_id: BATCH } }));
  assert.deepEqual(parseBody(r), { accepted: 2, rejected: [] });
  assert.equal((await getJson(client, `${HOUR_PREFIX}events-${BATCH}.json`)).length, 2);
});

test('s3: S3 stopped → 503 and nothing stored; back up → the retry stores the batch once', async (t) => {
  const s3 = await startS3(t);
  const { client } = recordingClient(s3.endpoint);
  const ingest = createIngest({ sink: s3Sink({ bucket: BUCKET, client }), log: () => {} });
  const request = () => apiEvent({ body: JSON.stringify(SEED_PAGE_VIEW), query: { batch_id: BATCH } });
  await s3.stop();
  const down = await ingest(request());
  assert.equal(down.statusCode, 503);
  assert.deepEqual(parseBody(down), { error: 'storage unavailable' });
  await startS3(t, { directory: s3.dir, port: s3.port });
  assert.deepEqual(await keys(client), []);
  assert.equal((await ingest(request())).statusCode, 200);
  assert.deepEqual(await keys(client), [`${HOUR_PREFIX}events-${BATCH}.json`]);
});

test('s3 + collector + SDK: S3 down, then back; the retries store every event exactly once', async (t) => {
  const s3 = await startS3(t);
  const { client } = recordingClient(s3.endpoint);
  const statuses = [];
  const log = (line) => statuses.push(JSON.parse(line).status);
  const c = await startCollector({ sink: s3Sink({ bucket: BUCKET, client }), log });
  t.after(() => c.close());
  await s3.stop();
  const tracker = createTracker({ endpoint: c.url, retryBaseMs: 5, retryMaxMs: 40, batchMaxEvents: 10,
    flushIntervalMs: 20 });
  await tracker.ready;
  for (let i = 0; i < 25; i++) tracker.track('product_view', { product_id: `SKU-${i}` });
  await tracker.flush();
  await until(() => statuses.filter((s) => s === 503).length >= 3);
  await startS3(t, { directory: s3.dir, port: s3.port });
  await until(() => tracker.stats().delivered === 25);
  await tracker.shutdown();
  const ids = [];
  for (const key of await keys(client)) for (const e of await getJson(client, key)) ids.push(e.event_id);
  assert.equal(ids.length, 25);
  assert.equal(new Set(ids).size, 25);
});

test('s3: inspect summarizes the bucket', async (t) => {
  const { s3, ingest } = await setup(t);
  await ingest(apiEvent({ body: JSON.stringify([SEED_PAGE_VIEW, { ...SEED_PAGE_VIEW, event_name: 'product_view' }]) }));
  await ingest(apiEvent({ body: JSON.stringify(SEED_PAGE_VIEW), timeEpoch: Date.UTC(2025, 11, 4, 17, 5) }));
  const s = await summarize({ bucket: BUCKET, prefix: 'events', endpoint: s3.endpoint });
  assert.equal(s.source, `s3://${BUCKET}/events`);
  assert.deepEqual(s.partitions.map((p) => [p.partition, p.files, p.events]), [
    ['events/2025/12/04/16', 1, 2],
    ['events/2025/12/04/17', 1, 1],
  ]);
  assert.deepEqual(s.by_event_name, { page_view: 2, product_view: 1 });
  assert.deepEqual(s.received_at, { min: '2025-12-04T16:00:10.000Z', max: '2025-12-04T17:05:00.000Z' });
});
