// One tracker per config for the page's life, shared by every provider mounted with that config, and
// the page-view dedupe. Kept free of React so node tests can drive it (tests/js/react.test.js).
import type { Tracker, TrackerConfig } from './types.cjs';

interface Entry {
  tracker: Tracker;
  users: number;
  /** Pending shutdown after the last release; a remount within the same task cancels it. */
  closing?: ReturnType<typeof setTimeout>;
  /** path + query of the last page view sent, so a re-run effect does not send it twice. */
  lastPage?: string;
}

const entries = new Map<string, Entry>();

/** Config values that can be compared; callbacks and adapters are left out of the key. */
export function configKey(config: TrackerConfig): string {
  return JSON.stringify(config, (_k, v: unknown) =>
    typeof v === 'function' || (typeof v === 'object' && v !== null && 'getItem' in v) ? undefined : v);
}

function entryFor(config: TrackerConfig, create: (c: TrackerConfig) => Tracker): Entry {
  const key = configKey(config);
  let entry = entries.get(key);
  if (!entry) {
    entry = { tracker: create(config), users: 0 };
    entries.set(key, entry);
  }
  return entry;
}

/** The tracker for `config`, created on first use (a hook's call can come before any effect). */
export function get(config: TrackerConfig, create: (c: TrackerConfig) => Tracker): Tracker {
  return entryFor(config, create).tracker;
}

/**
 * Takes a reference for a mounted provider. StrictMode mounts, unmounts and remounts every effect:
 * release() defers the shutdown to a macrotask, so the remount keeps the same tracker.
 */
export function acquire(config: TrackerConfig, create: (c: TrackerConfig) => Tracker): Tracker {
  const entry = entryFor(config, create);
  clearTimeout(entry.closing);
  entry.closing = undefined;
  entry.users++;
  return entry.tracker;
}

export function release(config: TrackerConfig): void {
  const key = configKey(config);
  const entry = entries.get(key);
  if (!entry || --entry.users > 0) return;
  entry.closing = setTimeout(() => {
    entries.delete(key);
    void entry.tracker.shutdown();
  }, 0);
}

/**
 * Sends a page view for `page` (pathname + search) unless it is the last one sent by this tracker:
 * effects re-run without a navigation (StrictMode, a remount). Returns whether it was sent.
 */
export function pageViewOnce(config: TrackerConfig, page: string,
  create: (c: TrackerConfig) => Tracker): boolean {
  const entry = entryFor(config, create);
  if (entry.lastPage === page) return false;
  entry.lastPage = page;
  entry.tracker.pageView();
  return true;
}
