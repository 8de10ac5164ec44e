// The node entry for require(): loads the ESM node entry lazily (createTracker returns at once).
import { lazyTracker } from './lazy.cjs';
import type { Tracker, TrackerConfig } from './types.cjs';

export type * from './types.cjs';

export function createTracker(config: TrackerConfig): Tracker {
  return lazyTracker(() => import('./node.js'), config);
}
