// The demo: a local collector (the Lambda's handler over HTTP, files on disk), the native
// example and the Next.js shop in headless Chromium sending to it, then what a person would note
// in the bucket.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startCollector } from '../examples/ingest/collector.mjs';
import { format, summarize } from '../examples/ingest/inspect.mjs';
import { seedScenario } from '../examples/nextjs/scenario.mjs';
import { buildShop, freePort, startShop } from '../examples/nextjs/servers.mjs';
import { CHROMIUM_ARGS } from '../tests/browser/sink.mjs';

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

console.log('\n== the Next.js shop (next build + next start), the seed\'s scenario in headless Chromium');
buildShop(collector.url, { quiet: true });
const shop = await startShop({ endpoint: collector.url, port: await freePort() });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const page = await browser.newPage();
const statuses = [];
page.on('response', (r) => {
  if (r.url().startsWith(collector.url)) statuses.push(`${r.request().method()} ${r.status()}`);
});
const orderId = await seedScenario(page, shop.url);
await page.goto('about:blank'); // the page leaves: what is queued goes out as a beacon
// Until the order's purchase event is stored (the beacon may still be on its way).
for (let waited = 0; !(await summarize({ dir: dataDir })).by_event_name.purchase; waited += 200) {
  if (waited > 15_000) throw new Error('the shop\'s purchase event never reached the collector');
  await new Promise((r) => setTimeout(r, 200));
}
await browser.close();
await shop.stop();
console.log(`shop ${shop.url}: order ${orderId} placed; requests to the collector: ${statuses.join(', ')}`);
await collector.close();

console.log('\n== what the raw bucket holds (npm run inspect -- <folder>)');
console.log(format(await summarize({ dir: dataDir })));
