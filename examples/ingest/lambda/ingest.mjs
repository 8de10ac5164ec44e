// The ingest's logic, free of Lambda and AWS: an API Gateway HTTP API (payload format 2.0) event in,
// a response out, the accepted events enriched and written once to a sink (DESIGN §3).
import { randomUUID as cryptoUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { validateRequest } from './validate.mjs';

/** The wire contract's request caps; settings may only lower them. */
export const CONTRACT = Object.freeze({ maxBodyBytes: 1024 * 1024, maxEvents: 500 });

export const DEFAULTS = Object.freeze({
  prefix: 'events',
  format: 'json',
  sourceIp: 'truncated',
  maxBodyBytes: CONTRACT.maxBodyBytes,
  maxEvents: CONTRACT.maxEvents,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// sent_at is ISO 8601 by contract; Date.parse alone would also take "Dec 4 2025".
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T/;
const MAX_DATE_MS = 8.64e15;

function oneOf(env, name, allowed, fallback) {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (!allowed.includes(value)) throw new Error(`${name} must be one of ${allowed.join(', ')}`);
  return value;
}

function cap(env, name, contractMax) {
  const value = env[name];
  if (value === undefined || value === '') return contractMax;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > contractMax)
    throw new Error(`${name} must be an integer from 1 to ${contractMax} (the contract's cap)`);
  return n;
}

/**
 * Reads the CLICKSTREAM_* variables (README.md). Throws on a bad value, so a misconfigured
 * function fails at cold start instead of storing something unexpected.
 */
export function settingsFromEnv(env = process.env, { sink = 's3' } = {}) {
  return {
    sink: oneOf(env, 'CLICKSTREAM_SINK', ['s3', 'fs'], sink),
    bucket: env.CLICKSTREAM_BUCKET || undefined,
    s3Endpoint: env.CLICKSTREAM_S3_ENDPOINT || undefined,
    dataDir: env.CLICKSTREAM_DATA_DIR || undefined,
    prefix: (env.CLICKSTREAM_PREFIX ?? DEFAULTS.prefix).replace(/^\/+|\/+$/g, ''),
    format: oneOf(env, 'CLICKSTREAM_FORMAT', ['json', 'ndjson'], DEFAULTS.format),
    sourceIp: oneOf(env, 'CLICKSTREAM_SOURCE_IP', ['full', 'truncated', 'omit'], DEFAULTS.sourceIp),
    maxBodyBytes: cap(env, 'CLICKSTREAM_MAX_BODY_BYTES', CONTRACT.maxBodyBytes),
    maxEvents: cap(env, 'CLICKSTREAM_MAX_EVENTS', CONTRACT.maxEvents),
  };
}

/** IPv4: last octet zeroed; IPv6: the first 48 bits kept (the usual /24 and /48 anonymization). */
export function truncateIp(ip) {
  const addr = String(ip).replace(/%.*$/, ''); // an IPv6 zone id names a local interface only
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped) return truncateIp(mapped[1]);
  const version = isIP(addr);
  if (version === 4) return addr.replace(/\.\d+$/, '.0');
  if (version !== 6) return null;
  const [head, tail] = addr.split('::');
  const groups = head ? head.split(':') : [];
  if (tail !== undefined && groups.length < 3) {
    const after = tail ? tail.split(':') : [];
    const words = after.length + (after.at(-1)?.includes('.') ? 1 : 0); // a.b.c.d is two words
    groups.push(...Array(8 - groups.length - words).fill('0'), ...after);
  }
  const kept = groups.slice(0, 3).map((g) => parseInt(g, 16).toString(16));
  while (kept.at(-1) === '0') kept.pop(); // trailing zero groups fold into the '::'
  return `${kept.join(':')}::`;
}

function clientIp(ip, mode) {
  if (typeof ip !== 'string' || ip === '') return null;
  return mode === 'full' ? ip : truncateIp(ip);
}

function clientTime(value) {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

function sentAtMs(value) {
  return typeof value === 'string' && ISO_DATE.test(value) ? clientTime(value) : undefined;
}

function reply(statusCode, payload) {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  };
}

// The body as bytes: base64 undone, gzip inflated within the cap. Returns {bytes} or {status, error}.
function decodeBody(event, maxBytes) {
  const raw =
    typeof event.body === 'string'
      ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8')
      : Buffer.alloc(0);
  const encoding = (event.headers?.['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') {
    if (raw.length > maxBytes) return { status: 413, error: `body is ${raw.length} bytes, max ${maxBytes}` };
    return { bytes: raw };
  }
  if (encoding !== 'gzip' && encoding !== 'x-gzip')
    return { status: 415, error: `unsupported content-encoding: ${encoding}` };
  const tooLarge = { status: 413, error: `gzip body inflates beyond ${maxBytes} bytes` };
  let bytes;
  try {
    // Bounded: a gzip bomb stops at cap + 1 bytes instead of filling the function's memory.
    bytes = gunzipSync(raw, { maxOutputLength: maxBytes + 1 });
  } catch (e) {
    return e.code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge : { status: 400, error: 'body is not valid gzip' };
  }
  return bytes.length > maxBytes ? tooLarge : { bytes };
}

const STATUS_BY_VERDICT = {
  not_json: 400,
  not_object_or_array: 400,
  empty: 400,
  no_valid_event: 400,
  too_many_events: 413,
  too_large: 413,
};

function partition(receivedMs) {
  const d = new Date(receivedMs);
  const two = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${two(d.getUTCHours())}`;
}

/**
 * createIngest({sink, settings, now?, randomUUID?, log?}) → async (event, context) → API Gateway
 * response. `sink.put(key, body, contentType)` resolves 'stored' or 'exists' and throws when
 * storage failed; `log` receives one JSON line per request (default console.log: CloudWatch).
 */
export function createIngest({ sink, settings = {}, now = Date.now, randomUUID = cryptoUUID, log }) {
  const s = { ...DEFAULTS, ...settings };
  const write = log ?? ((line) => console.log(line));
  const ndjson = s.format === 'ndjson';
  const contentType = ndjson ? 'application/x-ndjson' : 'application/json';
  const prefix = s.prefix ? `${s.prefix}/` : '';

  function enrich(events, event, receivedMs) {
    const ctx = event.requestContext ?? {};
    const query = event.queryStringParameters ?? {};
    const receivedAt = new Date(receivedMs).toISOString();
    const sentMs = sentAtMs(query.sent_at);
    const batchId = UUID.test(query.batch_id ?? '') ? query.batch_id.toLowerCase() : randomUUID();
    // Server fields are assigned after the client's, so a client can never forge them.
    const server = {
      received_at: receivedAt,
      request_id: ctx.requestId ?? null,
      user_agent: ctx.http?.userAgent ?? null,
      batch_id: batchId,
      sent_at: sentMs === undefined ? null : new Date(sentMs).toISOString(),
      sdk_dropped: /^\d+$/.test(query.dropped ?? '') ? Number(query.dropped) : 0,
    };
    const ip = s.sourceIp === 'omit' ? undefined : clientIp(ctx.http?.sourceIp, s.sourceIp);
    for (const e of events) {
      if (e.event_id === undefined) e.event_id = randomUUID();
      let derivedMs = receivedMs;
      if (e.event_timestamp === undefined) {
        e.event_timestamp = receivedAt;
        e.timestamp_source = 'server';
      } else {
        e.timestamp_source = 'client';
        // Skew correction (Snowplow derived_tstamp, Segment timestamp): the client clock's error is
        // the same at creation and at sending, so it cancels out.
        const createdMs = clientTime(e.event_timestamp);
        const derived = receivedMs - (sentMs - createdMs);
        if (Math.abs(derived) <= MAX_DATE_MS) derivedMs = derived; // NaN when a time is unknown
      }
      Object.assign(e, server);
      e.derived_timestamp = new Date(derivedMs).toISOString();
      if (ip === undefined) delete e.source_ip;
      else e.source_ip = ip;
    }
    return batchId;
  }

  async function handle(event) {
    const receivedMs = Number.isFinite(event.requestContext?.timeEpoch) ? event.requestContext.timeEpoch : now();
    const decoded = decodeBody(event, s.maxBodyBytes);
    if (decoded.error) return { response: reply(decoded.status, { error: decoded.error }), error: decoded.error };

    const verdict = await validateRequest(decoded.bytes);
    const count = verdict.accepted.length + verdict.rejected.length;
    // The wasm enforces the contract's caps; a lowered event cap is checked here.
    if ((verdict.status === 'ok' || verdict.status === 'no_valid_event') && count > s.maxEvents) {
      const error = `${count} events, max ${s.maxEvents}`;
      return { response: reply(413, { error }), error };
    }
    if (verdict.status !== 'ok') {
      return {
        response: reply(STATUS_BY_VERDICT[verdict.status] ?? 400, { error: verdict.error }),
        rejected: verdict.rejected.length,
        error: verdict.error,
      };
    }

    const events = verdict.accepted;
    const batchId = enrich(events, event, receivedMs);
    const key = `${prefix}${partition(receivedMs)}/events-${batchId}.${ndjson ? 'ndjson' : 'json'}`;
    const body = ndjson ? `${events.map((e) => JSON.stringify(e)).join('\n')}\n` : JSON.stringify(events);
    let outcome;
    try {
      outcome = await sink.put(key, body, contentType);
    } catch (e) {
      // Nothing partial exists (both sinks write whole objects); 503 makes the SDK retry the batch.
      return { response: reply(503, { error: 'storage unavailable' }), key, error: String(e?.message ?? e) };
    }
    return {
      response: reply(200, { accepted: events.length, rejected: verdict.rejected }),
      accepted: events.length,
      rejected: verdict.rejected.length,
      key,
      duplicate: outcome === 'exists' || undefined,
      firstRejection: verdict.rejected[0],
    };
  }

  return async function ingest(event) {
    const started = performance.now();
    let r;
    try {
      r = await handle(event ?? {});
    } catch (e) {
      r = { response: reply(500, { error: 'internal error' }), error: String(e?.stack ?? e) };
    }
    write(
      JSON.stringify({
        status: r.response.statusCode,
        accepted: r.accepted ?? 0,
        rejected: r.rejected ?? 0,
        key: r.key,
        duplicate: r.duplicate,
        first_rejection: r.firstRejection,
        request_id: event?.requestContext?.requestId,
        ms: Math.round((performance.now() - started) * 100) / 100,
        error: r.error,
      }),
    );
    return r.response;
  };
}
