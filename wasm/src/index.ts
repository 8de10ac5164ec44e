// The browser/bundler entry (`default` export condition), shipped bundled and minified
// (scripts/bundle.mjs). The .wasm is fetched only when a tracker is created, located through
// import.meta.url, which webpack and Turbopack turn into a hashed asset.
import { compile, instantiate } from './module.js';
import { createTrackerIn } from './tracker.js';
import type { Tracker, TrackerConfig } from './types.cjs';

export type * from './types.cjs';

// Fetched and compiled once per page; a failed download is tried again by the next tracker.
let compiled: Promise<WebAssembly.Module> | undefined;
function wasm(): Promise<WebAssembly.Module> {
  if (!compiled) {
    compiled = compile(fetch(new URL('./wasm/clickstream.wasm', import.meta.url)));
    compiled.catch(() => {
      compiled = undefined;
    });
  }
  return compiled;
}

export function createTracker(config: TrackerConfig): Tracker {
  return createTrackerIn({
    platform: 'web',
    defaultStorage: 'local',
    load: (csHost) => wasm().then((module) => instantiate(module, csHost)),
  }, config);
}
