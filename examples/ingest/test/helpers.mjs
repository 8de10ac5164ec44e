// Shared by the ingest tests: payload-2.0 events as API Gateway builds them, the seed's sample, and
// the contract's failure cases (run against every sink). Not a test file itself.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

// 2025-12-04T16:00:10.000Z: the hour partition is events/2025/12/04/16.
export const TIME_EPOCH = Date.UTC(2025, 11, 4, 16, 0, 10);
export const HOUR_PREFIX = 'events/2025/12/04/16/';

// The workshop's Postman body.
export const SEED_PAGE_VIEW = {
  event_name: 'page_view',
  event_timestamp: '2025-12-04T16:00:00.000Z',
  user_id: 'test_user_manual',
  login_state: 'anonymous',
  session_id: 'session_manual_001',
  client_id: 'postman_client',
  page_url: '/manual-test',
};

let requests = 0;

/** A payload-2.0 event; body is a string (sent as text) or a Buffer (sent base64). */
export function apiEvent({ body, headers = {}, query, timeEpoch = TIME_EPOCH, sourceIp = '203.0.113.77',
  userAgent = 'PostmanRuntime/7.43.0' } = {}) {
  const binary = Buffer.isBuffer(body);
  requests += 1;
  return {
    version: '2.0',
    routeKey: 'POST /clickstream',
    rawPath: '/clickstream',
    rawQueryString: query ? new URLSearchParams(query).toString() : '',
    headers: { 'content-type': binary ? 'application/octet-stream' : 'application/json', ...headers },
    ...(query && { queryStringParameters: query }),
    requestContext: {
      http: { method: 'POST', path: '/clickstream', protocol: 'HTTP/1.1', sourceIp, userAgent },
      requestId: `req-${requests}`,
      routeKey: 'POST /clickstream',
      stage: '$default',
      timeEpoch,
    },
    ...(body !== undefined && { body: binary ? body.toString('base64') : body }),
    isBase64Encoded: binary,
  };
}

export async function tempDir(t, name = 'ingest-') {
  const dir = await mkdtemp(path.join(tmpdir(), name));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every stored file under dir (relative paths), temp files included: a leftover is a bug. */
export async function listFiles(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)).split(path.sep).join('/'))
    .sort();
}

export async function readJson(file) {
  return JSON.parse(await readFile(file, 'utf8'));
}

/** Polls condition() every 10 ms (the SDK retries on its own timers). */
export async function until(condition, ms = 10000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function parseBody(response) {
  return JSON.parse(response.body);
}

/** The text encoded as Latin-1: "é" becomes the lone byte 0xE9, invalid UTF-8. */
export const latin1 = (text) => Buffer.from(text, 'latin1');

const event = (i, extra = {}) => ({ event_name: 'add_to_cart', product_id: `SKU-${i}`, ...extra });

/**
 * The contract's refusals: each must answer `status` and store nothing. `event()` builds the
 * payload-2.0 event.
 */
export const FAILURES = [
  { name: 'malformed JSON', status: 400, event: () => apiEvent({ body: '{"event_name": "page_view",' }) },
  { name: 'a non-object (42)', status: 400, event: () => apiEvent({ body: '42' }) },
  { name: 'an empty array', status: 400, event: () => apiEvent({ body: '[]' }) },
  { name: 'an empty body', status: 400, event: () => apiEvent({}) },
  {
    name: '10,000 events',
    status: 413,
    event: () => apiEvent({ body: JSON.stringify(Array.from({ length: 10000 }, (_, i) => event(i))) }),
  },
  {
    name: 'a 2 MiB body',
    status: 413,
    event: () =>
      apiEvent({ body: JSON.stringify(Array.from({ length: 256 }, (_, i) => event(i, { note: 'x'.repeat(8192) }))) }),
  },
  {
    name: 'invalid UTF-8 in the only event',
    status: 400,
    event: () =>
      apiEvent({ body: latin1('[{"event_name":"page_view","page_title":"café"}]') }),
  },
  {
    name: '100,000-deep nesting (array)',
    status: 400,
    event: () => apiEvent({ body: `${'['.repeat(100000)}${']'.repeat(100000)}` }),
  },
  {
    name: '100,000-deep nesting inside an event',
    status: 400,
    event: () => apiEvent({ body: `{"event_name":"page_view","x":${'{"a":'.repeat(100000)}1${'}'.repeat(100000)}}` }),
  },
  {
    name: 'wrong field types only',
    status: 400,
    event: () =>
      apiEvent({ body: JSON.stringify([{ event_name: 'add_to_cart', product_price: '12.5' }, { event_name: 7 },
        { event_name: 'x', session_index: 'one' }]) }),
  },
  {
    name: 'a gzip bomb (64 MiB of zeros)',
    status: 413,
    event: () => apiEvent({ body: gzipSync(Buffer.alloc(64 * 1024 * 1024)), headers: { 'content-encoding': 'gzip' } }),
  },
  {
    name: 'a corrupt gzip body',
    status: 400,
    event: () => apiEvent({ body: Buffer.from('not gzip at all'), headers: { 'content-encoding': 'gzip' } }),
  },
];

/** Runs every failure case through `ingest` and asserts `stored()` stays empty. */
export async function assertFailures(t, ingest, stored) {
  for (const c of FAILURES) {
    await t.test(`${c.name} → ${c.status}, nothing stored`, async () => {
      const r = await ingest(c.event());
      assert.equal(r.statusCode, c.status, r.body);
      assert.equal(typeof parseBody(r).error, 'string');
      assert.deepEqual(await stored(), []);
    });
  }
}
