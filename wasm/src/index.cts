// The browser entry for require(): loads the ESM entry lazily (createTracker returns at once).
import { lazyTracker } from './lazy.cjs';
import type { Tracker, TrackerConfig } from './types.cjs';

export type * from './types.cjs';

export function createTracker(config: TrackerConfig): Tracker {
  return lazyTracker(() => import('./index.js'), config);
}
