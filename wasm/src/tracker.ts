// The Tracker both entries return: it buffers calls until the module runs, reads the page and
// device context, drives the page lifecycle and the tabs, and owns the storage. Nothing here
// touches window/document/localStorage before createTracker() is called (SSR-safe imports).
import { consentCode, type ConsentCode, type LoadModule, type RawNotification } from './abi.js';
import { Engine, type Device, type EngineOptions } from './engine.js';
import { Persist, QueueStore } from './store.js';
import { coordinatorFor, type Claim, type Coordinator } from './tabs.js';
import type { Consent, Identity, Notification, PageContext, Properties, Stats, StorageAdapter,
  Tracker, TrackerConfig } from './types.cjs';
import { VERSION } from './version.js';

export interface HostEnv {
  load: LoadModule;
  platform: 'web' | 'node';
  defaultStorage: 'local' | 'memory';
}

// Browser globals, read only inside calls; each may be missing (node, SSR, workers).
interface Globals {
  location?: { href: string; pathname: string };
  document?: EventTarget & { title: string; referrer: string; visibilityState: string };
  navigator?: { language?: string; globalPrivacyControl?: boolean; doNotTrack?: string | null;
    sendBeacon?: (url: string, body: string) => boolean };
  screen?: { width: number; height: number };
  innerWidth?: number;
  innerHeight?: number;
  localStorage?: StorageAdapter;
  sessionStorage?: StorageAdapter;
  addEventListener?: EventTarget['addEventListener'];
  removeEventListener?: EventTarget['removeEventListener'];
  reportError?: (e: unknown) => void;
}
const g = globalThis as unknown as Globals;

const ZERO: Stats = { tracked: 0, invalid: 0, propertiesDropped: 0, delivered: 0, rejected: 0,
  discarded: 0, dropped: 0, gaveUp: 0, consentDropped: 0, requests: 0, retries: 0,
  storageErrors: 0, persistErrors: 0 };

// The order of cs_create's settings array (docs/wasm-abi.md); beaconMaxBytes stays the core's.
const SETTINGS = ['flushAt', 'flushIntervalMs', 'maxInFlight', 'beaconMaxBytes', 'maxQueueEvents',
  'maxQueueBytes', 'batchMaxEvents', 'batchMaxBytes', 'retryBaseMs', 'retryMaxMs', 'maxAttempts',
  'maxAgeMs', 'sessionTimeoutMs', 'sessionMaxMs'] as const;

const CONSENTS: readonly string[] = ['granted', 'denied', 'pending'];

export function createTrackerIn(env: HostEnv, config: TrackerConfig): Tracker {
  if (!config || typeof config.endpoint !== 'string' || config.endpoint === '')
    throw new TypeError('clickstream: config.endpoint is required');
  return new Host(env, config);
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function openStorage(choice: TrackerConfig['storage'], onFail: (m: string) => void): Persist {
  if (choice === 'memory') return Persist.memory(onFail);
  if (choice && choice !== 'local') return Persist.of(choice, onFail);
  // Reading window.localStorage itself throws where storage is blocked.
  const local = attempt(() => g.localStorage);
  return local ? Persist.of(local, onFail) : Persist.unavailable('no localStorage', onFail);
}

function initialConsent(config: TrackerConfig): Consent {
  const nav = g.navigator;
  if ((config.respectGlobalPrivacyControl ?? true) && nav?.globalPrivacyControl === true)
    return 'denied';
  if (config.respectDoNotTrack && nav?.doNotTrack === '1') return 'denied';
  return config.consent && CONSENTS.includes(config.consent) ? config.consent : 'granted';
}

function viewport(): string {
  return typeof g.innerWidth === 'number' ? `${g.innerWidth}x${g.innerHeight}` : '';
}

interface Adopted {
  store: QueueStore;
  claim: Claim;
  done: () => void;
}

class Host implements Tracker {
  readonly ready: Promise<void>;
  private main: Engine | null = null;
  private calls: Array<() => void> | null = []; // made before ready; null once replayed or dead
  private closing = false;
  private readonly adopters = new Map<Engine, Adopted>();
  private readonly now: () => number;
  private readonly prefix: string;
  private readonly persist: Persist;
  private readonly device: Device;
  private coordinator: Coordinator | null = null;
  private claim: Claim | null = null;
  private readonly initial: Consent;
  private consent: Consent; // the latest choice: what an adopted queue starts with
  private readonly unlisten: Array<() => void> = [];
  private firstPage = true;
  private lastUrl = '';
  private viewportDirty = false;

  constructor(private readonly env: HostEnv, private readonly config: TrackerConfig) {
    const clock = config.now;
    this.now = clock ? () => clock() : () => Date.now();
    this.prefix = config.storageKey || 'clickstream';
    this.persist = openStorage(config.storage ?? env.defaultStorage, (m) => this.hostError(m));
    this.initial = initialConsent(config);
    this.consent = this.initial;
    const nav = g.navigator;
    const zone = attempt(() => Intl.DateTimeFormat().resolvedOptions());
    this.device = [nav?.language || zone?.locale || '', zone?.timeZone || '',
      g.screen ? `${g.screen.width}x${g.screen.height}` : '', viewport(), env.platform,
      `clickstream-js/${VERSION}`];
    this.listen();
    this.ready = this.start();
    // A load failure goes to onError; whoever awaits `ready` still sees it, nobody else has to.
    this.ready.catch(() => undefined);
  }

  track(eventName: string, properties?: Properties): void {
    if (this.closing) return;
    const now = this.now();
    const props = this.serialize(properties);
    if (props === null) return;
    const name = String(eventName ?? ''); // a missing name is refused by the core, not 'undefined'
    const view = this.viewportDirty ? this.readViewport() : null;
    if (this.main) {
      if (view !== null) this.applyViewport(view);
      this.main.track(now, name, props);
    } else {
      this.calls?.push(() => {
        if (view !== null) this.applyViewport(view);
        this.main?.track(now, name, props);
      });
    }
  }

  pageView(properties?: Properties, page?: Partial<PageContext>): void {
    if (this.closing) return;
    const now = this.now();
    const props = this.serialize(properties);
    if (props === null) return;
    const context = this.pageContext(page);
    const view = this.readViewport();
    this.run((e) => {
      this.applyViewport(view);
      e.pageView(now, context, props);
    });
  }

  identify(userId: string, identitySource?: string): void {
    const user = String(userId ?? '');
    const source = String(identitySource ?? '');
    this.run((e) => e.identify(user, source));
  }

  reset(): void {
    this.run((e) => e.reset());
  }

  setConsent(consent: Consent): void {
    if (!CONSENTS.includes(consent)) {
      this.hostError(`unknown consent '${String(consent)}'`);
      return;
    }
    this.consent = consent;
    const code = consentCode(consent);
    this.run((e) => {
      e.setConsent(code);
      this.applyToAdopters(code);
    });
  }

  flush(): Promise<void> {
    return this.ready.then(() => this.flushAll(), () => undefined);
  }

  shutdown(): Promise<void> {
    this.closing = true;
    return this.ready.then(() => this.flushAll(), () => undefined).then(() => this.stop());
  }

  stats(): Stats {
    return { ...ZERO, ...this.main?.stats(), persistErrors: this.persist.persistErrors };
  }

  identity(): Identity {
    // The core leaves empty strings out of its JSON.
    return { clientId: '', userId: '', sessionId: '', sessionIndex: 0, ...this.main?.identity() };
  }

  // ---- start and stop

  private async start(): Promise<void> {
    try {
      const coordinator = coordinatorFor(this.persist, this.prefix, this.now);
      this.coordinator = coordinator;
      const session = attempt(() => g.sessionStorage);
      const sessionKey = `${this.prefix}:queue`;
      // A reload finds its queue id in sessionStorage and resumes its own batches.
      const claim = await coordinator.claimOwn(
        (session && attempt(() => session.getItem(sessionKey))) || (session ? null : 'main'));
      this.claim = claim;
      attempt(() => session?.setItem(sessionKey, claim.queueId));
      const store = new QueueStore(this.persist, this.prefix, claim.queueId, true);
      const module = await this.env.load(store);
      await coordinator.exclusive(() => {
        this.main = Engine.create(module, store, this.options(this.initial, true));
        const calls = this.calls ?? [];
        this.calls = null;
        for (const call of calls) call();
      });
      this.main?.pump();
      if (!this.closing) void this.adoptOrphans(claim.queueId);
    } catch (e) {
      this.calls = null;
      this.stop();
      this.hostError(`the wasm module did not start: ${e instanceof Error ? e.message : e}`);
      throw e;
    }
  }

  private stop(): void {
    for (const off of this.unlisten.splice(0)) off();
    this.main?.close();
    for (const [engine, { claim, done }] of this.adopters) {
      engine.close();
      claim.release();
      done();
    }
    this.adopters.clear();
    this.claim?.release();
    this.coordinator?.stop();
  }

  private options(consent: Consent, own: boolean): EngineOptions {
    const c = this.config;
    // Counts are 32-bit in wasm (size_t): clamp there, not in an out-of-range C++ cast.
    const setting = (k: (typeof SETTINGS)[number]): number => {
      const v = (c as unknown as Record<string, unknown>)[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return NaN;
      return Math.min(Math.floor(v), k.endsWith('Ms') ? 2 ** 53 : 2 ** 32 - 1);
    };
    const custom = c.fetch;
    return {
      endpoint: c.endpoint,
      settings: SETTINGS.map(setting),
      consent: consentCode(consent),
      now: this.now,
      // The global is looked up per request: a fetch installed later (a polyfill) counts.
      fetch: custom ? (input, init) => custom(input, init) : (input, init) => fetch(input, init),
      device: this.device,
      notify: (list) => this.dispatch(list),
      watchTrack: own && !!c.onDropped,
    };
  }

  // ---- orphans: queues of closed tabs, delivered by a send-only second core

  /** One at a time: a tab runs at most one extra core, and other tabs can take the rest. */
  private async adoptOrphans(own: string): Promise<void> {
    for (const queueId of this.persist.queues(this.prefix)) {
      if (this.closing) return;
      if (queueId !== own) await this.adopt(queueId).catch(() => undefined);
    }
  }

  /** Resolves once the orphan is delivered (or the tracker stops). */
  private async adopt(queueId: string): Promise<void> {
    const claim = await this.coordinator?.claimOrphan(queueId);
    if (!claim) return;
    const store = new QueueStore(this.persist, this.prefix, queueId, false);
    if (this.closing || (this.persist.get(`${this.prefix}:consent`) ?? this.consent) === 'denied') {
      if (!this.closing) store.clear();
      claim.release();
      return;
    }
    const options = this.options(this.consent, false);
    let engine: Engine | undefined;
    options.onResponse = () => engine && this.finishAdopted(engine);
    try {
      engine = await Engine.start(this.env.load, store, options);
    } finally {
      if (!engine || this.closing) {
        engine?.close();
        claim.release();
      }
    }
    if (this.closing) return;
    const adopted = engine;
    await new Promise<void>((done) => {
      this.adopters.set(adopted, { store, claim, done });
      if (!this.finishAdopted(adopted)) adopted.pump();
    });
  }

  /** Delivered: the orphan's keys go and its lock is released. */
  private finishAdopted(engine: Engine): boolean {
    const adopted = this.adopters.get(engine);
    if (!adopted || engine.pending() > 0) return false;
    this.adopters.delete(engine);
    engine.close();
    adopted.claim.release(); // first: a released heartbeat writes a key that clear() then removes
    adopted.store.clear();
    adopted.done();
    return true;
  }

  private applyToAdopters(code: ConsentCode): void {
    for (const engine of [...this.adopters.keys()]) {
      engine.setConsent(code);
      this.finishAdopted(engine);
    }
  }

  private flushAll(): Promise<void> {
    return Promise.all(this.engines().map((e) => e.flush())).then(() => undefined);
  }

  // ---- browser: page lifecycle, other tabs, viewport

  private listen(): void {
    const doc = g.document;
    if (!doc || typeof g.addEventListener !== 'function') return;
    const on = (target: EventTarget, type: string, fn: (e: Event) => void): void => {
      target.addEventListener(type, fn, { passive: true });
      this.unlisten.push(() => target.removeEventListener(type, fn));
    };
    const win = globalThis as unknown as EventTarget;
    on(doc, 'visibilitychange', () => {
      if (doc.visibilityState === 'hidden') this.unload();
      else this.engines().forEach((e) => e.resume(false));
    });
    // pagehide, never unload/beforeunload: those break the bfcache and are unreliable on mobile.
    on(win, 'pagehide', (e) => {
      this.unload();
      this.coordinator?.pagehide((e as PageTransitionEvent).persisted === true);
    });
    on(win, 'pageshow', (e) => {
      if ((e as PageTransitionEvent).persisted !== true) return;
      this.coordinator?.pageshow();
      this.engines().forEach((x) => x.resume(true));
    });
    on(win, 'resize', () => {
      this.viewportDirty = true;
    });
    if (this.persist.durable) on(win, 'storage', (e) => this.fromOtherTab(e as StorageEvent));
  }

  private unload(): void {
    const nav = g.navigator;
    const beacon = typeof nav?.sendBeacon === 'function'
      ? (url: string, body: string) => attempt(() => nav.sendBeacon!(url, body)) === true
      : null;
    this.engines().forEach((e) => e.drainForUnload(beacon));
  }

  /** Another tab of the origin wrote a shared key: one client, one session, one consent. */
  private fromOtherTab(e: StorageEvent): void {
    const main = this.main;
    if (!main || e.newValue === null || (e.storageArea && e.storageArea !== this.persist.adapter))
      return;
    const key = e.key?.startsWith(this.prefix + ':') ? e.key.slice(this.prefix.length + 1) : '';
    if (key === 'client' || key === 'session') {
      // Both, as they are now: a reset elsewhere wrote a client and a session, and the core
      // must judge them together (the event for the second may not have arrived yet).
      const values: Array<[string, string]> = [];
      for (const k of ['client', 'session']) {
        const v = this.persist.get(`${this.prefix}:${k}`);
        if (v !== null) values.push([k, v]);
      }
      main.restoreShared(values);
    } else if (key === 'consent' && CONSENTS.includes(e.newValue)) {
      this.consent = e.newValue as Consent;
      main.setConsent(consentCode(this.consent));
      this.applyToAdopters(consentCode(this.consent));
    }
  }

  /** The viewport when the call is made (a buffered call applies it when replayed). */
  private readViewport(): string {
    this.viewportDirty = false;
    return viewport();
  }

  private applyViewport(view: string): void {
    if (view === this.device[3]) return;
    this.device[3] = view;
    this.main?.setDevice(this.device);
  }

  private pageContext(page: Partial<PageContext> = {}): [string, string, string, string] {
    const url = page.url ?? g.location?.href ?? '';
    // A caller's url without a path: the core derives the path from the url.
    const path = page.path ?? (page.url !== undefined ? '' : g.location?.pathname ?? '');
    const referrer = page.referrer ?? (this.firstPage ? g.document?.referrer ?? '' : this.lastUrl);
    const title = page.title ?? g.document?.title ?? '';
    this.firstPage = false;
    this.lastUrl = String(url);
    return [String(url), String(path), String(title), String(referrer)];
  }

  // ---- plumbing

  private engines(): Engine[] {
    return this.main ? [this.main, ...this.adopters.keys()] : [];
  }

  private run(op: (e: Engine) => void): void {
    if (this.closing) return;
    if (this.main) op(this.main);
    else this.calls?.push(() => this.main && op(this.main));
  }

  /** Properties as JSON text; null (and onError) when JSON.stringify cannot serialize them. */
  private serialize(properties: Properties | undefined): string | null {
    if (properties === undefined || properties === null) return '';
    try {
      return JSON.stringify(properties) ?? '';
    } catch (e) {
      this.hostError(`properties not serializable: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  }

  private dispatch(list: RawNotification[]): void {
    const c = this.config;
    for (const n of list) {
      const callback = n.kind === 'sent' ? c.onSent : n.kind === 'rejected' ? c.onRejected
        : n.kind === 'dropped' ? c.onDropped : c.onError;
      if (callback) {
        // The core leaves empty strings out of its JSON.
        this.call(callback, { kind: n.kind, batchId: n.batch_id ?? '', count: n.count ?? 0,
          message: n.message ?? '' });
      }
    }
  }

  /** Host-side errors are reported asynchronously: they can arise inside a call into the core. */
  private hostError(message: string): void {
    const onError = this.config.onError;
    if (onError) {
      queueMicrotask(() => this.call(onError, { kind: 'error', batchId: '', count: 0, message }));
    }
  }

  private call(callback: (n: Notification) => void, n: Notification): void {
    try {
      callback(n);
    } catch (e) {
      // A failing callback must not break delivery; surface it where the platform can.
      g.reportError?.(e);
    }
  }
}
