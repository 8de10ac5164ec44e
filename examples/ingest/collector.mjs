// A local stand-in for API Gateway + Lambda: serves POST /clickstream on loopback, turns each request
// into the payload-2.0 event API Gateway would build, and calls the Lambda's own ingest with the fs
// sink. `npm run collector -- [--port N] [--data DIR] [--allow-origin ORIGINS]`.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createIngest, settingsFromEnv } from './lambda/ingest.mjs';
import { fsSink } from './lambda/sinks.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_DATA_DIR = path.resolve(here, '../../.collector-data');

/** API Gateway's HTTP API payload limit. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
const ROUTE = '/clickstream';

/**
 * API Gateway passes text-like bodies as strings and everything else base64-encoded. This applies
 * to gzip too: a gzip body labelled application/json is decoded as text (and mangled), which is why
 * the SDK labels it application/octet-stream.
 */
export function isTextContentType(contentType) {
  const mime = String(contentType ?? '').split(';')[0].trim().toLowerCase();
  return (
    mime.startsWith('text/') ||
    mime === 'application/json' ||
    mime.endsWith('+json') ||
    mime.includes('xml') ||
    mime.includes('javascript')
  );
}

// Repeated headers and query parameters are joined with commas, as payload 2.0 does.
function joined(pairs) {
  const out = {};
  for (const [k, v] of pairs) out[k] = k in out ? `${out[k]},${v}` : v;
  return out;
}

function apiGatewayTime(ms) {
  // e.g. 04/Dec/2025:16:00:00 +0000
  const [, mon, day, year, time] = new Date(ms).toUTCString().match(/^\w+, (\d+) (\w+) (\d+) ([\d:]+)/);
  return `${mon}/${day}/${year}:${time} +0000`;
}

/** The payload-2.0 event for one request, as API Gateway would hand it to the Lambda. */
export function toApiGatewayEvent(req, body, timeEpoch = Date.now()) {
  const url = new URL(req.url, 'http://localhost');
  const headers = {};
  let cookies;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    const value = req.rawHeaders[i + 1];
    if (name === 'cookie') (cookies ??= []).push(...value.split(/;\s*/));
    else headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const text = isTextContentType(headers['content-type']);
  const sourceIp = (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.)/, '');
  const event = {
    version: '2.0',
    routeKey: `POST ${ROUTE}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies && { cookies }),
    headers,
    ...(url.search.length > 1 && { queryStringParameters: joined(url.searchParams) }),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: { method: req.method, path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp,
        userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: `POST ${ROUTE}`,
      stage: '$default',
      time: apiGatewayTime(timeEpoch),
      timeEpoch,
    },
    isBase64Encoded: !text,
  };
  if (body.length) event.body = text ? body.toString('utf8') : body.toString('base64');
  return event;
}

function parseOrigins(value) {
  return String(value ?? '*').split(',').map((o) => o.trim()).filter(Boolean);
}

/**
 * Starts the collector. Options: port (0 = ephemeral), host (default 127.0.0.1), dataDir, allowOrigin
 * (comma list or array, '*' = any), env (CLICKSTREAM_* settings, default process.env), sink (replaces
 * the fs sink: tests inject failures), log. Resolves {url, dataDir, close()}.
 */
export async function startCollector(options = {}) {
  const env = options.env ?? process.env;
  const dataDir = path.resolve(options.dataDir ?? (env.CLICKSTREAM_DATA_DIR || DEFAULT_DATA_DIR));
  const origins = Array.isArray(options.allowOrigin)
    ? options.allowOrigin
    : parseOrigins(options.allowOrigin ?? env.CLICKSTREAM_ALLOWED_ORIGINS);
  const ingest = createIngest({
    sink: options.sink ?? fsSink({ dir: dataDir }),
    settings: settingsFromEnv(env), // its sink settings aside: the collector always writes files
    log: options.log,
  });

  // API Gateway's CORS: `*` or the request's origin when it is listed; no header otherwise.
  function allowOrigin(origin) {
    if (origins.includes('*')) return '*';
    return origin && origins.includes(origin) ? origin : undefined;
  }

  function send(res, status, headers, body, origin) {
    const allowed = allowOrigin(origin);
    if (allowed) headers['access-control-allow-origin'] = allowed;
    if (allowed && allowed !== '*') headers.vary = 'origin';
    res.writeHead(status, headers).end(body);
  }

  const notFound = JSON.stringify({ message: 'Not Found' });

  const server = http.createServer((req, res) => {
    const timeEpoch = Date.now();
    const origin = req.headers.origin;
    const pathname = req.url.split('?')[0]; // the raw path, compared as API Gateway's route is
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      // Answered by the gateway itself: the Lambda never sees a preflight.
      const headers = allowOrigin(origin)
        ? { 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type,content-encoding',
            'access-control-max-age': '3600' }
        : {};
      req.resume();
      send(res, 204, headers, undefined, origin);
      return;
    }
    if (req.method !== 'POST' || pathname !== ROUTE) {
      req.resume();
      send(res, 404, { 'content-type': 'application/json' }, notFound, origin);
      return;
    }
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      // Past the limit the rest is read and discarded, so the client gets the 413, not a reset.
      if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk);
    });
    req.on('end', async () => {
      if (size > MAX_PAYLOAD_BYTES) {
        send(res, 413, { 'content-type': 'application/json' },
          JSON.stringify({ message: 'Request Entity Too Large' }), origin);
        return;
      }
      const event = toApiGatewayEvent(req, Buffer.concat(chunks), timeEpoch);
      const out = await ingest(event);
      send(res, out.statusCode, { ...out.headers }, out.body, origin);
    });
    req.on('error', () => res.destroy());
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address();
  return {
    url: `http://${address}:${port}${ROUTE}`,
    dataDir,
    close() {
      // Stops accepting, lets in-flight requests finish, drops idle keep-alive sockets.
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      return closed;
    },
  };
}

async function main() {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, data: { type: 'string' }, 'allow-origin': { type: 'string' } },
  });
  const collector = await startCollector({
    port: Number(values.port ?? process.env.PORT ?? 0),
    // npm runs scripts in the repo root; a relative --data is meant from where npm was called.
    dataDir: values.data && path.resolve(process.env.INIT_CWD ?? '.', values.data),
    allowOrigin: values['allow-origin'],
  });
  console.log(`collector: ${collector.url}`);
  console.log(`data: ${collector.dataDir}`);
  const stop = async () => {
    await collector.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
