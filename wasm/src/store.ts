// Persistence (docs/js.md, "Storage"). One key per event, so the core's write-ahead append and its
// removals are O(1) each:
//   <prefix>:client | session | consent   shared by every tab of the origin
//   <prefix>:<queueId>:batches             which stored events form which in-flight batch
//   <prefix>:<queueId>:e:<seq>             one event
//   <prefix>:<queueId>:hb | claim          heartbeat and claim (only without Web Locks)
// Event writes come in a microtask after the track() calls that made them (the core's outbox,
// wasm/abi.cpp): before the page can do anything else, so nothing is lost; state writes at once.
import type { CsHost } from './abi.js';
import type { StorageAdapter } from './types.cjs';

const SHARED: readonly string[] = ['client', 'session', 'consent'];

/**
 * A storage adapter that never throws. The first failing write (quota, private mode) switches it
 * to memory for the rest of its life: writes stop (the core keeps its queue in memory anyway) and
 * are counted; removals still reach the adapter so what was persisted can drain.
 */
export interface Persist {
  /** null: nothing outlives the tracker, the core's own memory is the queue. */
  readonly _adapter: StorageAdapter | null;
  /** set() does something: writes to an adapter, or counts them after a failure. */
  readonly _writes: boolean;
  /** Writes reach an adapter (false for memory and after a failure). */
  _durable(): boolean;
  /** Writes lost to the failure. */
  _errors(): number;
  _get(key: string): string | null;
  _set(key: string, value: string): void;
  _remove(key: string): void;
  _keys(): string[];
}

/** `unavailable`: why there is no adapter, reported at once as a failure. */
export function openPersist(adapter: StorageAdapter | null, onFail: (message: string) => void,
  unavailable?: string): Persist {
  let errors = 0;
  let failed = false;
  const fail = (reason: string): void => {
    if (failed) return;
    failed = true;
    onFail(`storage unavailable (${reason}): continuing in memory`);
  };
  if (unavailable) fail(unavailable);
  return {
    _adapter: adapter,
    _writes: adapter !== null || failed,
    _durable: () => adapter !== null && !failed,
    _errors: () => errors,
    _get(key) {
      try {
        return adapter ? adapter.getItem(key) : null;
      } catch {
        return null;
      }
    },
    _set(key, value) {
      if (failed) {
        errors++;
        return;
      }
      try {
        adapter?.setItem(key, value);
      } catch (e) {
        errors++;
        fail(e !== null && typeof e === 'object' && 'name' in e ? String(e.name) : String(e));
      }
    },
    _remove(key) {
      try {
        adapter?.removeItem(key);
      } catch {
        // Nothing to do: a record that cannot be removed is resent and stored once by batch id.
      }
    },
    _keys() {
      const out: string[] = [];
      try {
        for (let i = 0, n = adapter?.length ?? 0; i < n; i++) {
          const k = adapter!.key(i);
          if (k !== null) out.push(k);
        }
      } catch {
        // An adapter that cannot list keys restores nothing.
      }
      return out;
    },
  };
}

/** The storage of one queue, as the core's `csHost`. */
export interface QueueStore extends CsHost {
  /** Whether the core should hand events over at all (false for memory storage). */
  readonly _persists: boolean;
  /** What cs_restore_state (a string key) and cs_restore_event (a seq) get before cs_create. */
  _load(restore: (key: string | number, value: string) => void): void;
  /** Deletes every key of this queue (an adopted queue, once delivered). */
  _clear(): void;
}

/** `shared`: may write the tab-shared keys. */
export function queueStore(p: Persist, prefix: string, queueId: string, shared: boolean):
  QueueStore {
  const head = `${prefix}:${queueId}:`;
  const mine = (): string[] => p._keys().filter((key) => key.startsWith(head));
  return {
    _persists: p._writes,
    append(seq, body) {
      p._set(head + 'e:' + seq, body);
      return true; // after a storage failure the event lives in memory: not a core storage error
    },
    remove(seqs) {
      for (const seq of seqs) p._remove(head + 'e:' + seq);
    },
    saveState(key, value) {
      if (!SHARED.includes(key)) p._set(head + key, value);
      else if (shared) p._set(`${prefix}:${key}`, value);
    },
    _load(restore) {
      for (const key of SHARED) {
        const v = p._get(`${prefix}:${key}`);
        if (v !== null) restore(key, v);
      }
      for (const key of mine()) {
        const rest = key.slice(head.length);
        const seq = rest.startsWith('e:') ? Number(rest.slice(2)) : 0;
        const value = rest === 'batches' || (Number.isSafeInteger(seq) && seq > 0) ? p._get(key)
          : null;
        if (value !== null) restore(seq || rest, value);
      }
    },
    _clear() {
      for (const key of mine()) p._remove(key);
    },
  };
}
