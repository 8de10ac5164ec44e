// The browser/bundler entry (`default` export condition), shipped bundled and minified
// (scripts/bundle.mjs). The .wasm is fetched only when a tracker is created, located through
// import.meta.url, which webpack and Turbopack turn into a hashed asset.
import { instantiate } from './module.js';
import { createTrackerIn } from './tracker.js';
import type { Tracker, TrackerConfig } from './types.cjs';

export type * from './types.cjs';

export function createTracker(config: TrackerConfig): Tracker {
  return createTrackerIn({
    platform: 'web',
    defaultStorage: 'local',
    load: (csHost) => instantiate(fetch(new URL('./wasm/clickstream.wasm', import.meta.url)),
      csHost),
  }, config);
}
