// A scriptable ingest for the browser tests and the benchmark: it serves the built SDK (/dist/...)
// and the test pages (/...) from the same origin as the endpoint, so localStorage, beacons and
// fetch all behave as on a real site with a same-origin collector.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// For chromium.launch() in the tests and the benchmark (TOOLCHAIN.md): root in a container needs
// --no-sandbox; the background-networking flags stop Chromium's own traffic. Playwright gives
// each launch a fresh user-data-dir and runs headless.
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const here = fileURLToPath(new URL('.', import.meta.url));
const ROOTS = { dist: join(here, '..', '..', 'dist'), pages: join(here, 'pages') };

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
};

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Content-Encoding',
};

/** The file under `root` for a URL path, or null when the path escapes it. */
function inside(root, path) {
  const file = normalize(join(root, decodeURIComponent(path)));
  return file === root || file.startsWith(root + sep) ? file : null;
}

export async function startSink() {
  let events = []; // every event of every request answered 200, duplicates included
  let requests = []; // { method, batchId, sentAt, contentType, status, count, eventIds, at }
  let failures = 0;
  const sockets = new Set();

  async function serveFile(res, file) {
    try {
      const data = await readFile(file);
      // no-store: every test must load the SDK just built, never a cached copy.
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Cache-Control': 'no-store', ...CORS });
      res.end(data);
    } catch {
      res.writeHead(404, CORS).end();
    }
  }

  function collect(req, res, url) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const list = Array.isArray(body) ? body : body && typeof body === 'object' ? [body] : null;
      const status = list === null ? 400 : failures > 0 ? 503 : 200;
      if (status === 503) failures--;
      requests.push({ method: req.method, batchId: url.searchParams.get('batch_id'),
        sentAt: url.searchParams.get('sent_at'), contentType: req.headers['content-type'] ?? '',
        status, count: list?.length ?? 0, eventIds: (list ?? []).map((e) => e?.event_id),
        at: Date.now() });
      if (status === 200) events.push(...list);
      const reply = status === 200 ? { accepted: list.length, rejected: [] }
        : { error: status === 503 ? 'scripted failure' : 'not a JSON object or array' };
      res.writeHead(status, { 'Content-Type': 'application/json', ...CORS });
      res.end(JSON.stringify(reply));
    });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'Access-Control-Max-Age': '600' }).end();
    } else if (url.pathname === '/clickstream' && req.method === 'POST') {
      collect(req, res, url);
    } else if (req.method === 'GET' && url.pathname.startsWith('/dist/')) {
      const file = inside(ROOTS.dist, url.pathname.slice('/dist/'.length));
      if (file) void serveFile(res, file);
      else res.writeHead(404, CORS).end();
    } else if (req.method === 'GET') {
      const file = inside(ROOTS.pages, url.pathname === '/' ? 'track.html' : url.pathname);
      if (file) void serveFile(res, file);
      else res.writeHead(404, CORS).end();
    } else {
      res.writeHead(405, CORS).end();
    }
  });
  // Kept so down() can cut keep-alive connections too: closing the listener alone leaves them open.
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const listen = (port) => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
  const stop = () => new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });

  const port = await listen(0);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    /** Events of requests answered 200, in arrival order (a duplicate appears twice). */
    events: () => events.slice(),
    requests: () => requests.slice(),
    /** The next `n` well-formed POSTs are answered 503. */
    failNext(n) {
      failures = n;
    },
    /** Stops accepting connections (and drops open ones): the browser sees connection refused. */
    down: stop,
    up: () => (server.listening ? Promise.resolve(port) : listen(port)),
    reset() {
      events = [];
      requests = [];
      failures = 0;
    },
    close: stop,
  };
}
