// One sender per queue (docs/js.md, "Tabs"). Every tab owns one queue; ownership is a Web Lock
// held for the tab's life, or, without Web Locks, a heartbeat key. A queue nobody owns (its tab
// closed) is an orphan that another tab adopts and delivers.
import { randomWords } from './abi.js';
import type { Persist } from './store.js';

export interface Claim {
  _queueId: string;
  _release(): void;
}

export interface Coordinator {
  /** The tab's own queue: `candidate` (kept in sessionStorage) unless a live tab holds it. */
  _claimOwn(candidate: string | null): Promise<Claim>;
  /** An orphan's ownership, or null when its tab is alive (or another tab was faster). */
  _claimOrphan(queueId: string): Promise<Claim | null>;
  /**
   * Runs `fn` while no other tab of the origin runs its own: the tracker reads the shared client
   * and session, creates its core and replays its first calls in there, so tabs opened at once
   * do not each start a session.
   */
  _exclusive(fn: () => void): Promise<void>;
  _pagehide(persisted: boolean): void;
  _pageshow(): void;
  _stop(): void;
}

interface Locks {
  request(name: string, options: { ifAvailable?: boolean },
    callback: (lock: unknown) => Promise<void> | undefined): Promise<unknown>;
}

const HEARTBEAT_MS = 5000;
const STALE_MS = 15000;
const LOCK_ATTEMPTS = 5;

/** A reload's grace for the unloaded page's lock, and how long an adopter's claim must hold. */
const pause = (): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, 100));

function newQueueId(): string {
  const words = randomWords();
  return words[0].toString(36) + words[1].toString(36);
}

const noop = (): void => undefined;

/** No other context shares the storage (node, memory): one fixed queue, no orphans. */
const runNow = async (fn: () => void): Promise<void> => fn();

const single: Coordinator = {
  _claimOwn: async () => ({ _queueId: 'main', _release: noop }),
  _claimOrphan: async () => null,
  _exclusive: runNow,
  _pagehide: noop,
  _pageshow: noop,
  _stop: noop,
};

/** Picks the coordinator for a storage shared with other tabs, or `single` when it is not. */
export function coordinatorFor(p: Persist, prefix: string, now: () => number): Coordinator {
  if (!p._durable()) return single;
  const g = globalThis as { navigator?: { locks?: Locks }; document?: unknown };
  const locks = g.navigator?.locks;
  if (locks && typeof locks.request === 'function') return lockCoordinator(locks, prefix);
  if (g.document !== undefined) return heartbeatCoordinator(p, prefix, now);
  return single;
}

function lockCoordinator(locks: Locks, prefix: string): Coordinator {
  /** The queue's lock if free (released by calling it), null if held; throws if unsupported. */
  const tryLock = (queueId: string): Promise<(() => void) | null> =>
    new Promise((resolve, reject) => {
      locks
        .request(`${prefix}:queue:${queueId}`, { ifAvailable: true }, (lock) => {
          if (!lock) {
            resolve(null);
            return undefined;
          }
          return new Promise<void>((release) => resolve(() => release()));
        })
        .catch(reject);
    });

  return {
    ...single,
    async _claimOwn(candidate) {
      let queueId = candidate ?? newQueueId();
      for (let i = 0; i < LOCK_ATTEMPTS; i++, queueId = newQueueId()) {
        try {
          let release = await tryLock(queueId);
          if (!release && i === 0 && candidate !== null) {
            // A reload may start before the unloaded page's lock is gone: ask once more. Still
            // held means a live tab has it (a duplicated tab copied our sessionStorage).
            await pause();
            release = await tryLock(queueId);
          }
          if (release) return { _queueId: queueId, _release: release };
        } catch {
          break; // locks refused here (opaque origin): run unlocked on a queue of our own
        }
      }
      return { _queueId: newQueueId(), _release: noop };
    },

    async _claimOrphan(queueId) {
      const release = await tryLock(queueId).catch(() => null);
      return release ? { _queueId: queueId, _release: release } : null;
    },

    _exclusive(fn) {
      let ran = false;
      const run = (): undefined => {
        ran = true;
        fn();
        return undefined;
      };
      // Waits for the lock. Locks failing here: unserialized is still correct (tabs converge).
      return locks.request(`${prefix}:start`, {}, run).then(noop, (e: unknown) => {
        if (ran) throw e;
        run();
      });
    },
  };
}

/**
 * Without Web Locks: an owner refreshes `<prefix>:<queueId>:hb` every 5 s (and zeroes it when the
 * page unloads, so a reload takes its queue back at once); a heartbeat older than 15 s marks an
 * orphan. An adopter writes a claim key and adopts only if it still holds the claim a moment later.
 */
function heartbeatCoordinator(p: Persist, prefix: string, now: () => number): Coordinator {
  const held = new Set<string>();
  let interval: ReturnType<typeof setInterval> | undefined;
  const key = (queueId: string, what: 'hb' | 'claim'): string => `${prefix}:${queueId}:${what}`;
  const beat = (t = String(now())): void => {
    for (const q of held) p._set(key(q, 'hb'), t);
  };
  const alive = (queueId: string): boolean => {
    const t = Number(p._get(key(queueId, 'hb')));
    return t > 0 && now() - t < STALE_MS;
  };
  const stop = (): void => {
    clearInterval(interval);
    interval = undefined;
  };
  const hold = (queueId: string): Claim => {
    held.add(queueId);
    beat();
    interval ??= setInterval(() => beat(), HEARTBEAT_MS);
    return {
      _queueId: queueId,
      _release: () => {
        if (!held.delete(queueId)) return;
        p._set(key(queueId, 'hb'), '0');
        if (held.size === 0) stop();
      },
    };
  };

  return {
    _claimOwn: async (candidate) =>
      hold(candidate !== null && !alive(candidate) ? candidate : newQueueId()),

    async _claimOrphan(queueId) {
      if (held.has(queueId) || alive(queueId)) return null;
      const token = newQueueId();
      p._set(key(queueId, 'claim'), token);
      await pause();
      return p._get(key(queueId, 'claim')) !== token || alive(queueId) ? null : hold(queueId);
    },

    _exclusive: runNow,
    // A page kept in the bfcache keeps its queue; a page that is gone frees it now.
    _pagehide: (persisted) => persisted || beat('0'),
    _pageshow: () => beat(),
    _stop: stop,
  };
}
