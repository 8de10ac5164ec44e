// The package as a consumer sees it: SSR-safe imports, export conditions, the CJS entries, the
// declaration files.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { ingest } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const endpoint = 'http://127.0.0.1:8787/clickstream';

test('importing either entry in node touches no browser global', () => {
  // A fresh process whose window/document/storage/navigator/location throw when read.
  const script = `
    for (const k of ['window', 'document', 'localStorage', 'sessionStorage', 'navigator',
                     'location', 'screen', 'addEventListener']) {
      Object.defineProperty(globalThis, k, { configurable: true,
        get() { throw new Error('read ' + k + ' at import'); } });
    }
    await import(${JSON.stringify(root + 'dist/index.js')});
    await import(${JSON.stringify(root + 'dist/node.js')});
    await import(${JSON.stringify(root + 'dist/index.cjs')});
    await import('clickstream-sdk');
    console.log('ok');`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script],
    { cwd: root, encoding: 'utf8' });
  assert.equal(out.trim(), 'ok');
});

test('the browser entry imports in node without window and never throws from createTracker',
  async () => {
    assert.equal(typeof globalThis.window, 'undefined');
    const { createTracker } = await import('../../dist/index.js');
    const errors = [];
    // Its split build fetches the .wasm by URL, which node's fetch cannot do for file: URLs.
    const t = createTracker({ endpoint, fetch: ingest().fetch, onError: (n) => errors.push(n) });
    t.track('click');
    await assert.rejects(t.ready);
    // Its default storage, localStorage, is missing here too: memory, reported once.
    assert.deepEqual(errors.map((e) => e.message.match(/no localStorage|did not start/)?.[0]),
      ['no localStorage', 'did not start']);
    await t.flush();
    await t.shutdown();
  });

test("'clickstream-sdk' resolves to the node entry under the node condition", async () => {
  assert.equal(import.meta.resolve('clickstream-sdk'),
    new URL('dist/node.js', 'file://' + root).href);
  const { createTracker } = await import('clickstream-sdk');
  const sink = ingest();
  const t = createTracker({ endpoint, fetch: sink.fetch });
  t.track('ssr_render', { route: '/p/1' });
  await t.shutdown();
  assert.equal(sink.delivered()[0].platform, 'node');
  assert.equal(sink.delivered()[0].route, '/p/1');
});

test('require() gets the CJS node entry: returns at once, replays with call times', async () => {
  const require = createRequire(import.meta.url);
  assert.equal(require.resolve('clickstream-sdk'), root + 'dist/node.cjs');
  const { createTracker } = require('clickstream-sdk');
  const sink = ingest();
  let now = Date.UTC(2025, 0, 1);
  const t = createTracker({ endpoint, fetch: sink.fetch, now: () => now });
  const props = { step: 1 };
  t.track('one', props);
  props.step = 99; // a buffered call keeps what it was given
  now += 5000;
  t.track('two', { step: 2 });
  assert.equal(t.stats().tracked, 0);
  await t.ready;
  assert.equal(t.stats().tracked, 2);
  await t.shutdown();
  const [one, two] = sink.delivered();
  assert.equal(one.step, 1);
  assert.equal(one.event_timestamp, '2025-01-01T00:00:00.000Z');
  assert.equal(two.event_timestamp, '2025-01-01T00:00:05.000Z');
});

test('the declaration files type-check a consumer (ESM and CJS, node16 and bundler)', () => {
  for (const project of ['tests/js/tsconfig.node16.json', 'tests/js/tsconfig.bundler.json']) {
    const r = spawnSync(process.execPath, [root + 'node_modules/typescript/bin/tsc', '-p', project],
      { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, `${project}:\n${r.stdout}${r.stderr}`);
  }
});
