// µs per track() call (its synchronous part: validate, build and serialize the event in wasm,
// persist it) in node and in headless Chromium, beside an empty loop with the same arguments.
// Run: node bench/track.mjs   (needs dist/ built; Chromium at /usr/bin/chromium)
import { chromium } from 'playwright-core';
import { createTracker } from '../dist/node.js';
import { EVENTS, RUNS, WARMUPS, measure } from '../tests/browser/pages/bench.mjs';
import { CHROMIUM_ARGS, startSink } from '../tests/browser/sink.mjs';

// The node fetch answers 200 at once: delivery between rounds costs no network time.
const fetch200 = async (url, init) => new Response(
  JSON.stringify({ accepted: JSON.parse(init.body).length, rejected: [] }), { status: 200 });

/** The shared loop in headless Chromium, once per storage, each in a fresh page. */
async function inChromium(storages) {
  const sink = await startSink();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const out = [];
    for (const storage of storages) {
      const page = await browser.newPage();
      await page.goto(`${sink.url}/bench.html`);
      out.push(await page.evaluate((s) => window.bench(s), storage));
      await page.close();
    }
    return { version: browser.version(), results: out };
  } finally {
    await browser.close();
    await sink.close();
  }
}

const node = await measure(createTracker,
  { endpoint: 'http://127.0.0.1:9/clickstream', storage: 'memory', fetch: fetch200 });
// memory beside localStorage: tells the core's cost (wasm) from the storage write's.
const web = await inChromium(['local', 'memory']);

const f = (us) => us.toFixed(3).padStart(8);
const row = (where, r) => {
  // A run that evicted, refused or failed to persist (or deliver) events timed something else.
  const s = r.stats;
  const clean = !s.dropped && !s.persistErrors && !s.invalid && s.delivered === s.tracked;
  const note = clean ? '' : `  NOT CLEAN: ${JSON.stringify(s)}`;
  console.log(`| ${where.padEnd(40)} | ${f(r.emptyUs)} | ${f(r.trackUs)} | ${f(r.trackUs - r.emptyUs)} |` +
    ` ${r.runs.track.map((x) => x.toFixed(2)).join(' ')}${note}`);
};
console.log(`track(): µs per call, ${EVENTS} events per run, median of ${RUNS} runs after ${WARMUPS} warm-ups`);
console.log(`| ${'where'.padEnd(40)} | empty    | track()  | net      | track() per run`);
console.log(`|${'-'.repeat(42)}|----------|----------|----------|----------------`);
row(`node ${process.version}, memory`, node);
row(`Chromium ${web.version}, localStorage`, web.results[0]);
row(`Chromium ${web.version}, memory`, web.results[1]);
