// The browser/bundler entry (`default` export condition). The wasm glue is imported only when a
// tracker is created, and the .wasm is located through import.meta.url, which webpack and Turbopack
// turn into a hashed asset.
import { createTrackerIn } from './tracker.js';
import type { Tracker, TrackerConfig } from './types.cjs';

export type * from './types.cjs';

export function createTracker(config: TrackerConfig): Tracker {
  return createTrackerIn({
    platform: 'web',
    defaultStorage: 'local',
    load: (csHost) => import('./wasm/clickstream.mjs').then((m) => m.default({
      csHost,
      locateFile: () => new URL('./wasm/clickstream.wasm', import.meta.url).href,
    })),
  }, config);
}
