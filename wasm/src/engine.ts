// One core (module instance) and the I/O around it: restore, the sending loop, its one timer and
// the unload drain. The tracker runs one for its own queue and one per adopted orphan queue.
import type { CsCall, CsModule, RawNotification } from './abi.js';
import { randomWords } from './abi.js';
import type { QueueStore } from './store.js';

export type Device = [locale: string, timezone: string, screen: string, viewport: string,
  platform: string, sdk: string];

/** What every engine of a tracker shares. */
export interface EngineOptions {
  _endpoint: string;
  _settings: number[];
  _now: () => number;
  _fetch: typeof fetch;
  _device: Device;
  _notify: (list: RawNotification[]) => void;
}

export interface Engine {
  /**
   * cs_<name>(...args). Strings go in through per-argument scratch buffers that only grow, so the
   * hot path (track) allocates nothing in wasm; they stay valid until the argument's next use.
   */
  _call(fn: CsCall, ...args: Array<string | number>): number;
  /** cs_track or cs_page_view: takes the notifications an error (or a drop) left. */
  _record(fn: '_cs_track' | '_cs_page_view', args: Array<string | number>): void;
  /** A JSON getter's result (the core leaves empty strings out). */
  _json<T>(fn: '_cs_stats' | '_cs_identity'): Partial<T>;
  _setConsent(code: number): void;
  /** Resolves when nothing more can be sent right now (sent, or waiting out a backoff). */
  _flush(): Promise<void>;
  /** Sends every request the core allows now, then arms the timer for the next chance. */
  _pump(): void;
  /**
   * The page is being hidden or left: everything goes at once in beacon-sized batches. A refused
   * beacon falls back to a keepalive fetch; an unanswered beacon stays "on the wire" until
   * resume(), and in storage until the ingest answers a resend (same batch id, stored once).
   */
  _drainForUnload(beacon: ((url: string, body: string) => boolean) | null): void;
  /** Visible again (or back from the bfcache): unanswered requests go back in line. */
  _resume(always: boolean): void;
  _close(): void;
}

/** cs_next_wakeup() at or above this means "only after a response". */
const NEVER = 9e15;

const HEADERS = { 'Content-Type': 'text/plain;charset=UTF-8' };

/**
 * Restores and creates the core of a loaded module (`store` is its csHost). `watchTrack`: take
 * notifications after every successful track, since only drops come from those. `onResponse`:
 * after each response (an adopter checks whether its queue is delivered).
 */
export function createEngine(m: CsModule, store: QueueStore, o: EngineOptions, consent: number,
  watchTrack: boolean, onResponse?: () => void): Engine {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAt = 0;
  let inFlight = 0;
  const idle: Array<() => void> = [];
  let beaconed = false;
  let closed = false;
  const ptrs: number[] = [];
  const caps: number[] = [];
  const last: string[] = [];

  const text = (ptr: number): string => m.UTF8ToString(ptr);

  // Strings to pointers in place: track() builds its array once, with no rest/spread copies.
  const prepare = (args: Array<string | number>): number[] => {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (typeof arg !== 'string') continue;
      // The core only reads its arguments: a repeated one (an event name) is already there.
      if (arg !== last[i]) {
        last[i] = arg;
        // A UTF-16 code unit takes at most 3 UTF-8 bytes: sizing by that skips a length pass.
        const need = arg.length * 3 + 1;
        if (!(need <= caps[i])) {
          m._free(ptrs[i] | 0);
          ptrs[i] = m._malloc(caps[i] = Math.max(need, 2 * (caps[i] | 0), 64));
        }
        m.stringToUTF8(arg, ptrs[i], caps[i]);
      }
      args[i] = ptrs[i];
    }
    return args as number[];
  };
  const call = (fn: CsCall, ...args: Array<string | number>): number =>
    (m[fn] as (...a: number[]) => number)(...prepare(args));

  const drain = (): void => {
    const p = m._cs_take_notifications();
    // The common empty case ("[]") is recognized without decoding.
    if (m.HEAPU8[p + 1] !== 0x5d /* ']' */) o._notify(JSON.parse(text(p)) as RawNotification[]);
  };

  const settle = (): void => {
    for (const resolve of idle.splice(0)) resolve();
  };

  /** One pending timer at most, at the core's next wakeup; an earlier one re-evaluates anyway. */
  const schedule = (): void => {
    const at = m._cs_next_wakeup();
    if (at >= NEVER || (timer !== undefined && timerAt <= at)) return;
    clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timer = undefined;
      pump();
    }, at - o._now()); // a past time is 0
    // In node the tracker never keeps a process alive: scripts call shutdown() or flush().
    (timer as { unref?: () => void }).unref?.();
  };

  /** The next request to send now, read with the four getters. */
  const next = (unload: number) => m._cs_next_request(o._now(), unload) > 0 && {
    _batchId: text(m._cs_request_batch_id()),
    _url: text(m._cs_request_url()),
    _body: text(m._cs_request_body()),
    _beacon: m._cs_request_beacon() === 1,
  };

  const post = async (r: Exclude<ReturnType<typeof next>, false>): Promise<void> => {
    inFlight++;
    let status = 0;
    let retryAfter = '';
    let body = '';
    const send = o._fetch; // called unbound: window.fetch refuses another `this`
    try {
      // A stalled request ends as a network error (retried) instead of holding flush() forever.
      const res = await send(r._url, { method: 'POST', body: r._body, keepalive: r._beacon,
        headers: HEADERS, signal: globalThis.AbortSignal?.timeout?.(30_000) });
      status = res.status;
      retryAfter = res.headers.get('Retry-After') ?? '';
      body = await res.text();
    } catch {
      // No answer is status 0 (kept if the status arrived and only the body failed). Awaiting keeps
      // the report asynchronous even when fetch throws at once, so an unload loop cannot pick the
      // same batch again and again.
      await undefined;
    }
    inFlight--;
    if (closed) return;
    call('_cs_on_response', o._now(), r._batchId, status, retryAfter, body);
    drain();
    onResponse?.();
    pump();
  };

  const pump = (): void => {
    if (closed) return;
    for (let r; (r = next(0)); ) void post(r);
    schedule();
    if (inFlight === 0) settle();
  };

  store._load((key, value) =>
    call(typeof key === 'string' ? '_cs_restore_state' : '_cs_restore_event', key, value));
  m._cs_set_persist(store._persists ? 1 : 0);
  const seed = randomWords();
  const settings = m._malloc(o._settings.length * 8);
  m.HEAPF64.set(o._settings, settings >> 3);
  call('_cs_create', o._endpoint, settings, o._settings.length, consent, seed[0], seed[1],
    o._now());
  m._free(settings);
  call('_cs_set_device', ...o._device);
  drain(); // restoring into a smaller queue may have dropped events

  return {
    _call: call,
    _record(fn, args) {
      const a = prepare(args);
      // track() calls its export directly, not through m[fn]: a keyed load that every export
      // passes through is megamorphic, and this is the hot path.
      const error = fn === '_cs_track' ? m._cs_track(a[0], a[1], a[2])
        : (m._cs_page_view as (...x: number[]) => number)(...a);
      // HEAPU8 is read after the call: growth replaces the view.
      if (m.HEAPU8[error] || watchTrack) drain();
      schedule();
    },
    _json: (fn) => JSON.parse(text(m[fn]())),
    _setConsent(code) {
      m._cs_set_consent(code);
      pump();
    },
    _flush: () => new Promise((resolve) => {
      if (closed) return resolve();
      m._cs_flush();
      idle.push(resolve);
      pump();
    }),
    _pump: pump,
    _drainForUnload(beacon) {
      if (closed) return;
      for (let r; (r = next(1)); ) {
        if (r._beacon && beacon?.(r._url, r._body)) beaconed = true;
        else void post(r);
      }
    },
    _resume(always) {
      if (always || beaconed) m._cs_resume();
      beaconed = false;
      pump();
    },
    _close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      settle();
    },
  };
}
