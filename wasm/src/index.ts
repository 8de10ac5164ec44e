// The browser/bundler entry (`default` export condition), shipped bundled and minified
// (scripts/bundle.mjs). The .wasm is fetched only when a tracker is created, located through
// import.meta.url, which webpack and Turbopack turn into a hashed asset.
import { instantiate } from './module.js';
import { createTrackerIn } from './tracker.js';
import type { Tracker, TrackerConfig } from './types.cjs';

export type * from './types.cjs';

// Fetched and compiled once per page; a failed download is tried again by the next tracker.
let compiled: Promise<WebAssembly.Module> | undefined;
const wasm = (): Promise<WebAssembly.Module> =>
  compiled ??= fetch(new URL('./wasm/clickstream.wasm', import.meta.url)).then(async (response) => {
    if (!response.ok) throw new Error(`clickstream wasm: HTTP ${response.status}`);
    return WebAssembly.compile(await response.arrayBuffer());
  }).catch((e: unknown) => {
    compiled = undefined;
    throw e;
  });

export function createTracker(config: TrackerConfig): Tracker {
  return createTrackerIn({
    _platform: 'web',
    _defaultStorage: 'local',
    _load: (csHost) => wasm().then((module) => instantiate(module, csHost)),
  }, config);
}
