// The public types of the JS/TypeScript host (docs/js.md). Both entries (browser and node) export
// exactly these.

export type Consent = 'granted' | 'denied' | 'pending';

/** Caller properties; serialized with JSON.stringify and validated by the core. */
export type Properties = Record<string, unknown>;

export interface PageContext {
  url: string;
  path: string;
  title: string;
  referrer: string;
}

export interface Notification {
  kind: 'sent' | 'rejected' | 'dropped' | 'error';
  /** The request's batch id; '' for notifications about a call or the host. */
  batchId: string;
  count: number;
  message: string;
}

export interface Stats {
  tracked: number;
  invalid: number;
  propertiesDropped: number;
  delivered: number;
  rejected: number;
  discarded: number;
  dropped: number;
  gaveUp: number;
  consentDropped: number;
  requests: number;
  retries: number;
  storageErrors: number;
  /** Host side: storage writes that did not persist (QuotaExceededError, no localStorage, ...). */
  persistErrors: number;
}

export interface Identity {
  clientId: string;
  userId: string;
  sessionId: string;
  sessionIndex: number;
}

/**
 * Synchronous key-value storage: the subset of the Web Storage API the host uses, so
 * `localStorage`, `sessionStorage` or a Map-backed object all fit. Every event is one key (O(1)
 * work per event); keys are enumerated once, at start. A throwing `setItem` (quota, private mode)
 * switches the tracker to memory for the rest of its life.
 */
export interface StorageAdapter {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface TrackerConfig {
  /** e.g. http://127.0.0.1:8787/clickstream */
  endpoint: string;
  flushAt?: number;
  flushIntervalMs?: number;
  maxInFlight?: number;
  batchMaxEvents?: number;
  batchMaxBytes?: number;
  maxQueueEvents?: number;
  maxQueueBytes?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  maxAttempts?: number;
  maxAgeMs?: number;
  sessionTimeoutMs?: number;
  sessionMaxMs?: number;
  /** Initial consent (default 'granted'); a choice stored by an earlier setConsent() wins. */
  consent?: Consent;
  /** Default true: navigator.globalPrivacyControl makes the initial consent 'denied'. */
  respectGlobalPrivacyControl?: boolean;
  /** Default false: navigator.doNotTrack === '1' makes the initial consent 'denied'. */
  respectDoNotTrack?: boolean;
  /** Browser default 'local' (localStorage), node default 'memory'. */
  storage?: 'local' | 'memory' | StorageAdapter;
  /** Key prefix, default 'clickstream'. */
  storageKey?: string;
  /** Default globalThis.fetch. */
  fetch?: typeof fetch;
  /** Default Date.now. */
  now?: () => number;
  onSent?: (n: Notification) => void;
  onRejected?: (n: Notification) => void;
  onDropped?: (n: Notification) => void;
  onError?: (n: Notification) => void;
}

export interface Tracker {
  /** Resolves when the wasm module runs and the calls made before are replayed. */
  readonly ready: Promise<void>;
  /** Page fields default to location/document in a browser; referrer to the previous page view. */
  pageView(properties?: Properties, page?: Partial<PageContext>): void;
  track(eventName: string, properties?: Properties): void;
  identify(userId: string, identitySource?: string): void;
  reset(): void;
  setConsent(consent: Consent): void;
  /** Sends what is queued; resolves when nothing more can be sent right now. */
  flush(): Promise<void>;
  /** Flushes, then stops timers and listeners; later calls are ignored. */
  shutdown(): Promise<void>;
  /** Zeros before ready. */
  stats(): Stats;
  /** Empty before ready. */
  identity(): Identity;
}
