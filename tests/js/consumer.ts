// Compiled with tsc --noEmit by package.test.js: the published declarations must type this usage
// and refuse the misuse marked @ts-expect-error (an unused expectation is itself an error).
import {
  createTracker,
  type Consent,
  type Identity,
  type Notification,
  type PageContext,
  type Properties,
  type Stats,
  type StorageAdapter,
  type Tracker,
  type TrackerConfig,
} from 'clickstream-sdk';

const map = new Map<string, string>();
const storage: StorageAdapter = {
  get length() {
    return map.size;
  },
  key: (i) => [...map.keys()][i] ?? null,
  getItem: (k) => map.get(k) ?? null,
  setItem: (k, v) => void map.set(k, v),
  removeItem: (k) => void map.delete(k),
};

const config: TrackerConfig = {
  endpoint: 'http://127.0.0.1:8787/clickstream',
  flushAt: 20,
  flushIntervalMs: 5000,
  maxInFlight: 1,
  batchMaxEvents: 50,
  batchMaxBytes: 60_000,
  maxQueueEvents: 1000,
  maxQueueBytes: 1 << 20,
  retryBaseMs: 1000,
  retryMaxMs: 300_000,
  maxAttempts: 20,
  maxAgeMs: 86_400_000,
  sessionTimeoutMs: 1_800_000,
  sessionMaxMs: 86_400_000,
  consent: 'pending',
  respectGlobalPrivacyControl: true,
  respectDoNotTrack: false,
  storage,
  storageKey: 'shop',
  fetch: globalThis.fetch,
  now: Date.now,
  onSent: (n: Notification) => void n.batchId,
  onRejected: (n) => void n.count,
  onDropped: (n) => void n.message,
  onError: (n) => void n.kind,
};

const tracker: Tracker = createTracker(config);
const ready: Promise<void> = tracker.ready;
const props: Properties = { product_id: 'SKU-1', product_price: 12.5 };
const page: Partial<PageContext> = { url: 'https://shop.example/', title: 'Home' };
tracker.pageView();
tracker.pageView(props, page);
tracker.track('add_to_cart', props);
tracker.identify('user-1');
tracker.identify('user-1', 'email');
tracker.reset();
const consent: Consent = 'granted';
tracker.setConsent(consent);
const flushed: Promise<void> = tracker.flush();
const done: Promise<void> = tracker.shutdown();
const stats: Stats = tracker.stats();
const persistErrors: number = stats.persistErrors;
const identity: Identity = tracker.identity();
const session: number = identity.sessionIndex;
createTracker({ endpoint: '/c', storage: 'local' });
createTracker({ endpoint: '/c', storage: 'memory' });

// @ts-expect-error endpoint is required
createTracker({});
// @ts-expect-error not a consent state
tracker.setConsent('yes');
// @ts-expect-error event names are strings
tracker.track(42);
// @ts-expect-error not a storage choice
createTracker({ endpoint: '/c', storage: 'indexeddb' });
// @ts-expect-error kind is a closed set
const bad: Notification['kind'] = 'retry';

export { bad, done, flushed, persistErrors, ready, session };
