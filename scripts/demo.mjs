// The demo: a local collector (the Lambda's handler over HTTP, files on disk), the native
// example and a headless Chromium page sending to it, then what a person would note in the bucket.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startCollector } from '../examples/ingest/collector.mjs';
import { format, summarize } from '../examples/ingest/inspect.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'clickstream-demo-'));
const collector = await startCollector({ dataDir, log: () => {} });
console.log(`collector: ${collector.url}\ndata: ${dataDir}\n`);

console.log('== native example');
const example = path.join(root, 'build/release/examples/native/clickstream_example');
const queue = await fs.mkdtemp(path.join(os.tmpdir(), 'clickstream-demo-queue-'));
const code = await new Promise((resolve) => {
  spawn(example, ['--endpoint', collector.url, '--queue', queue], { stdio: 'inherit' }).on(
    'exit',
    resolve,
  );
});
if (code !== 0) throw new Error(`the native example exited with ${code}`);

console.log('\n== browser example (headless Chromium)');
const types = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript',
  '.wasm': 'application/wasm' };
const pages = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const file = url.pathname.startsWith('/dist/')
    ? path.join(root, url.pathname)
    : path.join(root, 'examples/browser', url.pathname === '/' ? 'index.html' : url.pathname);
  try {
    const body = await fs.readFile(file);
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => pages.listen(0, '127.0.0.1', resolve));
const site = `http://127.0.0.1:${pages.address().port}/`;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage();
await page.goto(`${site}?endpoint=${encodeURIComponent(collector.url)}`);
const stats = await page.evaluate(() => window.runFlow());
console.log(`page ${site}: tracked ${stats.tracked}, delivered ${stats.delivered}`);
await browser.close();
pages.close();
await collector.close();

console.log('\n== what the raw bucket holds (npm run inspect -- <folder>)');
console.log(format(await summarize({ dir: dataDir })));
