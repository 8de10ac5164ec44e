// The React bindings' shared state (dist/shared.js), without React: one tracker per config across
// StrictMode's mount/unmount/remount, and one page view per location.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acquire, configKey, get, pageViewOnce, release } from '../../dist/shared.js';

function factory() {
  const made = [];
  const create = (config) => {
    const t = { config, views: 0, closed: false, pageView() { this.views++; },
      shutdown() { this.closed = true; return Promise.resolve(); } };
    made.push(t);
    return t;
  };
  return { made, create };
}
const tick = () => new Promise((r) => setTimeout(r, 5));
let n = 0;
const config = () => ({ endpoint: `http://127.0.0.1:1/clickstream?t=${n++}` });

test('StrictMode mount, unmount, remount: one tracker, never shut down', async () => {
  const { made, create } = factory();
  const c = config();
  acquire(c, create);
  release(c); // StrictMode's simulated unmount
  acquire(c, create);
  await tick();
  assert.equal(made.length, 1);
  assert.equal(made[0].closed, false);
  release(c); // the real unmount
  await tick();
  assert.equal(made[0].closed, true);
  acquire(c, create); // a later mount starts afresh
  assert.equal(made.length, 2);
  release(c);
});

test('a hook call before the provider mounts creates the tracker the provider then shares', () => {
  const { made, create } = factory();
  const c = config();
  const early = get(c, create);
  assert.equal(acquire({ ...c }, create), early, 'an equal config object is the same tracker');
  assert.equal(made.length, 1);
  release(c);
});

test('one page view per location: a re-run effect sends nothing, going back sends again', () => {
  const { made, create } = factory();
  const c = config();
  assert.equal(pageViewOnce(c, '/?utm_source=x', create), true);
  assert.equal(pageViewOnce(c, '/?utm_source=x', create), false); // StrictMode replays the effect
  assert.equal(pageViewOnce(c, '/cart', create), true);
  assert.equal(pageViewOnce(c, '/cart?step=2', create), true); // a query change is a navigation
  assert.equal(pageViewOnce(c, '/', create), true);
  assert.equal(made.length, 1);
  assert.equal(made[0].views, 4);
});

test('callbacks and storage adapters are not part of the key', () => {
  const base = { endpoint: 'http://127.0.0.1:1/clickstream', flushAt: 5 };
  const storage = { length: 0, key: () => null, getItem: () => null, setItem() {}, removeItem() {} };
  assert.equal(configKey({ ...base, onError() {}, storage }), configKey(base));
  assert.notEqual(configKey({ ...base, flushAt: 6 }), configKey(base));
});
