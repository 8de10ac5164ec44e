// One sender per queue (docs/js.md, "Tabs"). Every tab owns one queue; ownership is a Web Lock
// held for the tab's life, or, without Web Locks, a heartbeat key. A queue nobody owns (its tab
// closed) is an orphan that another tab adopts and delivers.
import type { Persist } from './store.js';

export interface Claim {
  queueId: string;
  release(): void;
}

export interface Coordinator {
  /** The tab's own queue: `candidate` (kept in sessionStorage) unless a live tab holds it. */
  claimOwn(candidate: string | null): Promise<Claim>;
  /** An orphan's ownership, or null when its tab is alive (or another tab was faster). */
  claimOrphan(queueId: string): Promise<Claim | null>;
  /**
   * Runs `fn` while no other tab of the origin runs its own: the tracker reads the shared client
   * and session, creates its core and replays its first calls in there, so tabs opened at once
   * do not each start a session.
   */
  exclusive(fn: () => void): Promise<void>;
  pagehide(persisted: boolean): void;
  pageshow(): void;
  stop(): void;
}

interface Locks {
  request(name: string, options: { ifAvailable?: boolean },
    callback: (lock: unknown) => Promise<void> | undefined): Promise<unknown>;
}

const HEARTBEAT_MS = 5000;
const STALE_MS = 15000;
const CLAIM_CHECK_MS = 100;
const LOCK_ATTEMPTS = 5;
const RELOAD_GRACE_MS = 100;

function newQueueId(): string {
  const words = new Uint32Array(2);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(words);
  else for (let i = 0; i < 2; i++) words[i] = Math.floor(Math.random() * 2 ** 32);
  return words[0].toString(36) + words[1].toString(36);
}

const noop = (): void => undefined;

/** No other context shares the storage (node, memory): one fixed queue, no orphans. */
const runNow = async (fn: () => void): Promise<void> => fn();

const single: Coordinator = {
  claimOwn: async () => ({ queueId: 'main', release: noop }),
  claimOrphan: async () => null,
  exclusive: runNow,
  pagehide: noop,
  pageshow: noop,
  stop: noop,
};

/** Picks the coordinator for a storage shared with other tabs, or `single` when it is not. */
export function coordinatorFor(p: Persist, prefix: string, now: () => number): Coordinator {
  if (!p.durable) return single;
  const g = globalThis as { navigator?: { locks?: Locks }; document?: unknown };
  const locks = g.navigator?.locks;
  if (locks && typeof locks.request === 'function') return new LockCoordinator(locks, prefix);
  if (g.document !== undefined) return new HeartbeatCoordinator(p, prefix, now);
  return single;
}

/** The lock if it is free (released by calling the result), null if held, throws if unsupported. */
function tryLock(locks: Locks, name: string): Promise<(() => void) | null> {
  return new Promise((resolve, reject) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(null);
          return undefined;
        }
        return new Promise<void>((release) => resolve(() => release()));
      })
      .catch(reject);
  });
}

class LockCoordinator implements Coordinator {
  constructor(private readonly locks: Locks, private readonly prefix: string) {}

  async claimOwn(candidate: string | null): Promise<Claim> {
    let queueId = candidate ?? newQueueId();
    for (let i = 0; i < LOCK_ATTEMPTS; i++, queueId = newQueueId()) {
      try {
        let release = await tryLock(this.locks, this.name(queueId));
        if (!release && i === 0 && candidate !== null) {
          // A reload may start before the unloaded page's lock is gone: ask once more. Still held
          // means a live tab has it (a duplicated tab copied our sessionStorage).
          await new Promise((resolve) => setTimeout(resolve, RELOAD_GRACE_MS));
          release = await tryLock(this.locks, this.name(queueId));
        }
        if (release) return { queueId, release };
      } catch {
        break; // locks refused here (opaque origin): run unlocked on a queue of our own
      }
    }
    return { queueId: newQueueId(), release: noop };
  }

  async claimOrphan(queueId: string): Promise<Claim | null> {
    const release = await tryLock(this.locks, this.name(queueId)).catch(() => null);
    return release ? { queueId, release } : null;
  }

  exclusive(fn: () => void): Promise<void> {
    let ran = false;
    const run = (): undefined => {
      ran = true;
      fn();
      return undefined;
    };
    // Waits for the lock. Locks failing here: unserialized is still correct (tabs converge).
    return this.locks.request(`${this.prefix}:start`, {}, run).then(noop, (e: unknown) => {
      if (ran) throw e;
      run();
    });
  }

  pagehide = noop;
  pageshow = noop;
  stop = noop;

  private name(queueId: string): string {
    return `${this.prefix}:queue:${queueId}`;
  }
}

/**
 * Without Web Locks: an owner refreshes `<prefix>:<queueId>:hb` every 5 s (and zeroes it when the
 * page unloads, so a reload takes its queue back at once); a heartbeat older than 15 s marks an
 * orphan. An adopter writes a claim key and adopts only if it still holds the claim a moment later.
 */
class HeartbeatCoordinator implements Coordinator {
  private readonly held = new Set<string>();
  private interval: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly p: Persist, private readonly prefix: string,
    private readonly now: () => number) {}

  async claimOwn(candidate: string | null): Promise<Claim> {
    return this.hold(candidate !== null && !this.alive(candidate) ? candidate : newQueueId());
  }

  async claimOrphan(queueId: string): Promise<Claim | null> {
    if (this.held.has(queueId) || this.alive(queueId)) return null;
    const token = newQueueId();
    this.p.set(this.key(queueId, 'claim'), token);
    await new Promise((resolve) => setTimeout(resolve, CLAIM_CHECK_MS));
    if (this.p.get(this.key(queueId, 'claim')) !== token || this.alive(queueId)) return null;
    return this.hold(queueId);
  }

  pagehide(persisted: boolean): void {
    // A page kept in the bfcache keeps its queue; a page that is gone frees it now.
    if (!persisted) for (const q of this.held) this.p.set(this.key(q, 'hb'), '0');
  }

  exclusive = runNow;

  pageshow(): void {
    this.beat();
  }

  stop(): void {
    if (this.interval !== undefined) clearInterval(this.interval);
    this.interval = undefined;
  }

  private hold(queueId: string): Claim {
    this.held.add(queueId);
    this.beat();
    this.interval ??= setInterval(() => this.beat(), HEARTBEAT_MS);
    return {
      queueId,
      release: () => {
        if (!this.held.delete(queueId)) return;
        this.p.set(this.key(queueId, 'hb'), '0');
        if (this.held.size === 0) this.stop();
      },
    };
  }

  private beat(): void {
    const t = String(this.now());
    for (const q of this.held) this.p.set(this.key(q, 'hb'), t);
  }

  private alive(queueId: string): boolean {
    const t = Number(this.p.get(this.key(queueId, 'hb')));
    return t > 0 && this.now() - t < STALE_MS;
  }

  private key(queueId: string, what: 'hb' | 'claim'): string {
    return `${this.prefix}:${queueId}:${what}`;
  }
}
