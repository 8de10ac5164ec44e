// The CommonJS entries' Tracker: require() cannot load the ESM host synchronously, so this one
// buffers calls (with the time each was made) until import() has loaded it, then replays them in
// order and forwards from then on.
import type { Identity, Stats, Tracker, TrackerConfig } from './types.cjs';

interface Entry {
  createTracker(config: TrackerConfig): Tracker;
}

type Call = (t: Tracker) => void;

/** A snapshot, so a caller reusing the object does not change a buffered event. */
function copy<T>(value: T): T {
  try {
    return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
  } catch {
    return value; // the ESM host reports what cannot be serialized
  }
}

export function lazyTracker(load: () => Promise<Entry>, config: TrackerConfig): Tracker {
  if (!config || typeof config.endpoint !== 'string' || config.endpoint === '')
    throw new TypeError('clickstream: config.endpoint is required');
  const clock = config.now ?? (() => Date.now());
  let replayingAt: number | undefined;
  let real: Tracker | undefined;
  let calls: Array<[number, Call]> | null = [];
  let closing = false;
  const loaded = load().then(
    (entry) => {
      // During the replay the host reads each call's own time.
      const t = entry.createTracker({ ...config, now: () => replayingAt ?? clock() });
      for (const [at, call] of calls ?? []) {
        replayingAt = at;
        call(t);
      }
      replayingAt = undefined;
      calls = null;
      real = t;
      return t;
    },
    (e: unknown) => {
      calls = null;
      const message = `clickstream did not load: ${e instanceof Error ? e.message : String(e)}`;
      try {
        config.onError?.({ kind: 'error', batchId: '', count: 0, message });
      } catch {
        // the caller's callback failing changes nothing here
      }
      throw e;
    },
  );
  const ready = loaded.then((t) => t.ready);
  ready.catch(() => undefined);
  const later = (call: Call): void => {
    if (closing) return;
    if (real) call(real);
    else calls?.push([clock(), call]);
  };
  const zero: Stats = { tracked: 0, invalid: 0, propertiesDropped: 0, delivered: 0, rejected: 0,
    discarded: 0, dropped: 0, gaveUp: 0, consentDropped: 0, requests: 0, retries: 0,
    storageErrors: 0, persistErrors: 0 };
  const nobody: Identity = { clientId: '', userId: '', sessionId: '', sessionIndex: 0 };
  return {
    ready,
    pageView: (properties, page) => {
      const p = copy(properties);
      const c = copy(page);
      later((t) => t.pageView(p, c));
    },
    track: (eventName, properties) => {
      const p = copy(properties);
      later((t) => t.track(eventName, p));
    },
    identify: (userId, identitySource) => later((t) => t.identify(userId, identitySource)),
    reset: () => later((t) => t.reset()),
    setConsent: (consent) => later((t) => t.setConsent(consent)),
    flush: () => loaded.then((t) => t.flush(), () => undefined),
    shutdown: () => {
      closing = true;
      return loaded.then((t) => t.shutdown(), () => undefined);
    },
    stats: () => (real ? real.stats() : { ...zero }),
    identity: () => (real ? real.identity() : { ...nobody }),
  };
}
