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
export class Persist {
  persistErrors = 0;
  private failed = false;

  private constructor(
    readonly adapter: StorageAdapter | null,
    private readonly onFail: (message: string) => void,
  ) {}

  /** Nothing outlives the tracker: the core's own memory is the queue. */
  static memory(onFail: (message: string) => void): Persist {
    return new Persist(null, onFail);
  }
  static of(adapter: StorageAdapter, onFail: (message: string) => void): Persist {
    return new Persist(adapter, onFail);
  }
  static unavailable(reason: string, onFail: (message: string) => void): Persist {
    const p = new Persist(null, onFail);
    p.fail(reason);
    return p;
  }

  /** set() does something: writes to an adapter, or counts them after a failure. */
  get writes(): boolean {
    return this.adapter !== null || this.failed;
  }

  /** Writes reach an adapter (false for memory and after a failure). */
  get durable(): boolean {
    return this.adapter !== null && !this.failed;
  }

  get(key: string): string | null {
    if (!this.adapter) return null;
    try {
      return this.adapter.getItem(key);
    } catch {
      return null;
    }
  }

  set(key: string, value: string): void {
    if (this.failed) {
      this.persistErrors++;
      return;
    }
    if (!this.adapter) return;
    try {
      this.adapter.setItem(key, value);
    } catch (e) {
      this.persistErrors++;
      this.fail(describe(e));
    }
  }

  remove(key: string): void {
    try {
      this.adapter?.removeItem(key);
    } catch {
      // Nothing to do: a record that cannot be removed is resent and stored once by batch id.
    }
  }

  keys(): string[] {
    const out: string[] = [];
    if (!this.adapter) return out;
    try {
      for (let i = 0, n = this.adapter.length; i < n; i++) {
        const k = this.adapter.key(i);
        if (k !== null) out.push(k);
      }
    } catch {
      // An adapter that cannot list keys restores nothing.
    }
    return out;
  }

  /** Queue ids that have keys under `prefix`. */
  queues(prefix: string): Set<string> {
    const out = new Set<string>();
    const head = prefix + ':';
    for (const k of this.keys()) {
      if (!k.startsWith(head)) continue;
      const end = k.indexOf(':', head.length);
      if (end > head.length) out.add(k.slice(head.length, end));
    }
    return out;
  }

  private fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.onFail(`storage unavailable (${reason}): continuing in memory`);
  }
}

function describe(e: unknown): string {
  return e instanceof Error || (typeof e === 'object' && e !== null && 'name' in e)
    ? String((e as { name: unknown }).name)
    : String(e);
}

/** The storage of one queue, as the core's `csHost`. `shared`: may write the tab-shared keys. */
export class QueueStore implements CsHost {
  private readonly head: string;

  constructor(
    private readonly p: Persist,
    private readonly prefix: string,
    readonly queueId: string,
    private readonly shared: boolean,
  ) {
    this.head = `${prefix}:${queueId}:`;
  }

  /** Whether the core should hand events over at all (false for memory storage). */
  get persists(): boolean {
    return this.p.writes;
  }

  append(seq: number, body: string): boolean {
    this.p.set(this.head + 'e:' + seq, body);
    return true; // after a storage failure the event lives in memory: not a core storage error
  }

  remove(seqs: number[]): void {
    if (this.p.adapter) for (const seq of seqs) this.p.remove(this.head + 'e:' + seq);
  }

  saveState(key: string, value: string): void {
    if (!SHARED.includes(key)) this.p.set(this.head + key, value);
    else if (this.shared) this.p.set(`${this.prefix}:${key}`, value);
  }

  /** What cs_restore_state/cs_restore_event get before cs_create. */
  load(): { state: Array<[string, string]>; events: Array<[number, string]> } {
    const state: Array<[string, string]> = [];
    const events: Array<[number, string]> = [];
    for (const key of SHARED) {
      const v = this.p.get(`${this.prefix}:${key}`);
      if (v !== null) state.push([key, v]);
    }
    for (const key of this.p.keys()) {
      if (!key.startsWith(this.head)) continue;
      const rest = key.slice(this.head.length);
      const value = rest === 'batches' || rest.startsWith('e:') ? this.p.get(key) : null;
      if (value === null) continue;
      if (rest === 'batches') {
        state.push([rest, value]);
        continue;
      }
      const seq = Number(rest.slice(2));
      if (Number.isSafeInteger(seq) && seq > 0) events.push([seq, value]);
    }
    return { state, events };
  }

  /** Deletes every key of this queue (an adopted queue, once delivered). */
  clear(): void {
    for (const key of this.p.keys()) if (key.startsWith(this.head)) this.p.remove(key);
  }
}
