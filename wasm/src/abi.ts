// The C ABI (docs/wasm-abi.md) as the host sees it: the loader's module object, the storage the
// core calls, and the codes both sides share.
import type { Consent } from './types.cjs';

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

/** The exports the host calls by name, string arguments as JS strings. */
export type CsCall = Extract<keyof CsModule, `_cs_${string}`>;

/** Instantiates a fresh module (one tracker per instance) whose core persists through `host`. */
export type LoadModule = (host: CsHost) => Promise<CsModule>;

/** As cs_take_notifications writes it: empty strings are left out. */
export interface RawNotification {
  kind: 'sent' | 'rejected' | 'dropped' | 'error';
  batch_id?: string;
  count?: number;
  message?: string;
}

/** Indexed by the core's consent code (cs_create, cs_set_consent). */
export const CONSENTS: readonly Consent[] = ['granted', 'denied', 'pending'];

/** Two random words: cs_create's seeds, and queue ids. */
export function randomWords(): Uint32Array {
  const words = new Uint32Array(2);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(words);
  else for (let i = 0; i < 2; i++) words[i] = Math.random() * 2 ** 32;
  return words;
}
