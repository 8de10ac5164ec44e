// `npm run demo`'s last step, end to end: the native example and the Next.js shop in Chromium both
// reach the collector, and inspect reports what was stored. (scripts/test.sh builds the native
// example; the shop's dependencies come from setup.sh.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('the demo delivers the native and the shop\'s events and summarizes them', async () => {
  const { stdout } = await promisify(execFile)('node', [path.join(root, 'scripts/demo.mjs')], {
    timeout: 180_000,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  assert.match(stdout, /delivered 6 event\(s\)/);
  assert.match(stdout, /order ORD-\w+ placed/);
  // 6 from the native example and the shop scenario's 25.
  assert.match(stdout, /, 31 events,/);
  for (const [name, count] of [['page_view', 13], ['product_view', 4], ['add_to_cart', 3],
    ['remove_from_cart', 2], ['begin_checkout', 2], ['login', 1], ['add_shipping_info', 1],
    ['purchase', 1]]) {
    assert.match(stdout, new RegExp(`\\n  ${name}  ${count}\\n`));
  }
});
