// The node/SSR entry (`node` export condition): the single-file build carries its wasm inline, so
// no fs read breaks when Next.js bundles this for the server. Default storage: memory.
import { createTrackerIn } from './tracker.js';
import type { Tracker, TrackerConfig } from './types.cjs';

export type * from './types.cjs';

export function createTracker(config: TrackerConfig): Tracker {
  return createTrackerIn({
    _platform: 'node',
    _defaultStorage: 'memory',
    _load: (csHost) => import('./wasm/clickstream.node.mjs').then((m) => m.default({ csHost })),
  }, config);
}
