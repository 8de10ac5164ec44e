// The e2e page: a tracker configured from the query string (?flushAt=…&retryBaseMs=…), with
// helpers on window for the test. It sends a page view on load, as a site would.
import { createTracker } from '/dist/index.js';

const NUMERIC = ['flushAt', 'flushIntervalMs', 'maxInFlight', 'retryBaseMs', 'retryMaxMs',
  'maxAttempts', 'batchMaxEvents'];
const query = new URLSearchParams(location.search);
const config = { endpoint: location.origin + '/clickstream' };
for (const key of NUMERIC) if (query.has(key)) config[key] = Number(query.get(key));
// Reported on the console, where the test collects page problems to show when it fails.
for (const kind of ['onRejected', 'onDropped', 'onError']) {
  config[kind] = (n) => console.error(`clickstream ${kind}: ${JSON.stringify(n)}`);
}

const tracker = createTracker(config);
// ?tab=… names the tab on its page view, so a test can tell whose page view it is.
tracker.pageView(query.has('tab') ? { tab: query.get('tab') } : undefined);

window.cs = {
  tracker,
  ready: tracker.ready,
  /** `count` events named e2e_click, labelled `${label}-${i}` so the test can find each one. */
  track(count, label) {
    for (let i = 0; i < count; i++) tracker.track('e2e_click', { label: `${label}-${i}`, i });
  },
  flush: () => tracker.flush(),
  stats: () => tracker.stats(),
  identity: () => tracker.identity(),
  stored: () => Object.keys(localStorage).filter((k) => k.includes(':e:')).length,
};
