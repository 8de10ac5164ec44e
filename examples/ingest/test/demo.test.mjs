// `npm run demo`'s last step, end to end: the native example and a Chromium page both reach the
// collector, and inspect reports what was stored. (scripts/test.sh builds the native example.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('the demo delivers the native and the browser events and summarizes them', async () => {
  const { stdout } = await promisify(execFile)('node', [path.join(root, 'scripts/demo.mjs')], {
    timeout: 120_000,
  });
  assert.match(stdout, /delivered 6 event\(s\)/);
  assert.match(stdout, /tracked 6, delivered 6/);
  assert.match(stdout, /2 files, 12 events/);
  for (const [name, count] of [['page_view', 3], ['product_view', 2], ['add_to_cart', 3],
    ['remove_from_cart', 2], ['begin_checkout', 2]]) {
    assert.match(stdout, new RegExp(`\\n  ${name}  ${count}\\n`));
  }
});
