// A typed wrapper over one module instance's C ABI (docs/wasm-abi.md). Strings go in through
// per-argument scratch buffers that only grow, so the hot path (track) allocates nothing in wasm.
import type { Identity, Stats } from './types.cjs';

/** What the core calls synchronously to persist (the module's `csHost`). */
export interface CsHost {
  /** Called in a microtask after the track() calls that enqueued the events. */
  append(seq: number, body: string): boolean;
  remove(seqs: number[]): void;
  saveState(key: string, value: string): void;
}

export interface CsModule {
  HEAPU8: Uint8Array;
  HEAPF64: Float64Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  UTF8ToString(ptr: number): string;
  stringToUTF8(text: string, ptr: number, maxBytes: number): void;
  _cs_restore_event(seq: number, body: number): void;
  _cs_restore_state(key: number, value: number): void;
  _cs_set_persist(on: number): void;
  _cs_create(endpoint: number, settings: number, count: number, consent: number, seedLo: number,
    seedHi: number, now: number): number;
  _cs_set_device(locale: number, timezone: number, screen: number, viewport: number,
    platform: number, sdk: number): void;
  _cs_track(now: number, name: number, props: number): number;
  _cs_page_view(now: number, url: number, path: number, title: number, referrer: number,
    props: number): number;
  _cs_identify(userId: number, source: number): void;
  _cs_reset(): void;
  _cs_set_consent(state: number): void;
  _cs_flush(): void;
  _cs_next_request(now: number, unload: number): number;
  _cs_request_batch_id(): number;
  _cs_request_url(): number;
  _cs_request_body(): number;
  _cs_request_beacon(): number;
  _cs_on_response(now: number, batchId: number, status: number, retryAfter: number,
    body: number): void;
  _cs_resume(): void;
  _cs_reload_state(): void;
  _cs_next_wakeup(): number;
  _cs_pending(): number;
  _cs_take_notifications(): number;
  _cs_stats(): number;
  _cs_identity(): number;
}

/** Instantiates a fresh module (one tracker per instance) whose core persists through `host`. */
export type LoadModule = (host: CsHost) => Promise<CsModule>;

export interface Request {
  batchId: string;
  url: string;
  body: string;
  beacon: boolean;
}

/** As cs_take_notifications writes it: empty strings are left out. */
export interface RawNotification {
  kind: 'sent' | 'rejected' | 'dropped' | 'error';
  batch_id?: string;
  count?: number;
  message?: string;
}

const CONSENT = { granted: 0, denied: 1, pending: 2 } as const;
export type ConsentCode = (typeof CONSENT)[keyof typeof CONSENT];
export const consentCode = (c: keyof typeof CONSENT): ConsentCode => CONSENT[c];

/** cs_next_wakeup() at or above this means "only after a response". */
export const NEVER = 9e15;

const SLOTS = 6;

export class Abi {
  private readonly ptr: number[] = new Array(SLOTS).fill(0);
  private readonly cap: number[] = new Array(SLOTS).fill(0);
  private readonly last: Array<string | null> = new Array(SLOTS).fill(null);

  constructor(readonly m: CsModule) {}

  /** `text` as a NUL-terminated UTF-8 string in argument slot `slot`, valid until its reuse. */
  private s(slot: number, text: string): number {
    // The core only reads its arguments: a repeated one (an event name) is already there.
    if (text === this.last[slot]) return this.ptr[slot];
    this.last[slot] = text;
    // A UTF-16 code unit takes at most 3 UTF-8 bytes: sizing by that skips a lengthBytesUTF8 pass.
    const need = text.length * 3 + 1;
    if (need > this.cap[slot]) {
      if (this.ptr[slot]) this.m._free(this.ptr[slot]);
      this.cap[slot] = Math.max(need, 2 * this.cap[slot], 64);
      this.ptr[slot] = this.m._malloc(this.cap[slot]);
    }
    this.m.stringToUTF8(text, this.ptr[slot], this.cap[slot]);
    return this.ptr[slot];
  }

  /** A returned error string: '' for success, read without decoding when empty. */
  private error(ptr: number): string {
    return this.m.HEAPU8[ptr] === 0 ? '' : this.m.UTF8ToString(ptr);
  }

  restoreEvent(seq: number, body: string): void {
    this.m._cs_restore_event(seq, this.s(0, body));
  }
  restoreState(key: string, value: string): void {
    this.m._cs_restore_state(this.s(0, key), this.s(1, value));
  }

  /** Before create: with false, the core never copies an event out to csHost (memory storage). */
  setPersist(on: boolean): void {
    this.m._cs_set_persist(on ? 1 : 0);
  }

  /** On a fresh instance (cs_create refuses only a second tracker in one instance). */
  create(endpoint: string, settings: number[], consent: ConsentCode, now: number): void {
    const seed = new Uint32Array(2);
    if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(seed);
    else for (let i = 0; i < 2; i++) seed[i] = Math.floor(Math.random() * 2 ** 32);
    const p = this.m._malloc(settings.length * 8);
    this.m.HEAPF64.set(settings, p >> 3);
    this.m._cs_create(this.s(0, endpoint), p, settings.length, consent, seed[0], seed[1], now);
    this.m._free(p);
  }

  setDevice(locale: string, timezone: string, screen: string, viewport: string, platform: string,
    sdk: string): void {
    this.m._cs_set_device(this.s(0, locale), this.s(1, timezone), this.s(2, screen),
      this.s(3, viewport), this.s(4, platform), this.s(5, sdk));
  }

  track(now: number, name: string, props: string): string {
    return this.error(this.m._cs_track(now, this.s(0, name), this.s(1, props)));
  }

  pageView(now: number, page: readonly [string, string, string, string], props: string): string {
    return this.error(this.m._cs_page_view(now, this.s(0, page[0]), this.s(1, page[1]),
      this.s(2, page[2]), this.s(3, page[3]), this.s(4, props)));
  }

  identify(userId: string, source: string): void {
    this.m._cs_identify(this.s(0, userId), this.s(1, source));
  }
  reset(): void {
    this.m._cs_reset();
  }
  setConsent(c: ConsentCode): void {
    this.m._cs_set_consent(c);
  }
  flush(): void {
    this.m._cs_flush();
  }

  /** The next request to send now, or null. */
  nextRequest(now: number, unload: boolean): Request | null {
    if (this.m._cs_next_request(now, unload ? 1 : 0) <= 0) return null;
    const m = this.m;
    return {
      batchId: m.UTF8ToString(m._cs_request_batch_id()),
      url: m.UTF8ToString(m._cs_request_url()),
      body: m.UTF8ToString(m._cs_request_body()),
      beacon: m._cs_request_beacon() === 1,
    };
  }

  onResponse(now: number, batchId: string, status: number, retryAfter: string, body: string): void {
    this.m._cs_on_response(now, this.s(0, batchId), status, this.s(1, retryAfter), this.s(2, body));
  }

  resume(): void {
    this.m._cs_resume();
  }
  reloadState(): void {
    this.m._cs_reload_state();
  }
  nextWakeup(): number {
    return this.m._cs_next_wakeup();
  }
  pending(): number {
    return this.m._cs_pending();
  }

  /** Taken notifications; the common empty case ("[]") is recognized without decoding. */
  notifications(): RawNotification[] {
    const p = this.m._cs_take_notifications();
    if (this.m.HEAPU8[p + 1] === 0x5d /* ']' */) return [];
    return JSON.parse(this.m.UTF8ToString(p)) as RawNotification[];
  }

  stats(): Partial<Stats> {
    return JSON.parse(this.m.UTF8ToString(this.m._cs_stats())) as Partial<Stats>;
  }
  identity(): Partial<Identity> {
    return JSON.parse(this.m.UTF8ToString(this.m._cs_identity())) as Partial<Identity>;
  }
}
