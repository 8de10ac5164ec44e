// The Tracker both entries return: it buffers calls until the module runs, reads the page and
// device context, drives the page lifecycle and the tabs, and owns the storage. Nothing here
// touches window/document/localStorage before createTracker() is called (SSR-safe imports).
import { CONSENTS, type CsCall, type LoadModule, type RawNotification } from './abi.js';
import { createEngine, type Device, type Engine, type EngineOptions } from './engine.js';
import { openPersist, queueStore, type Persist } from './store.js';
import { coordinatorFor, type Claim, type Coordinator } from './tabs.js';
import type { Consent, Identity, Notification, PageContext, Properties, Stats, StorageAdapter,
  Tracker, TrackerConfig } from './types.cjs';
import { VERSION } from './version.js';

export interface HostEnv {
  _load: LoadModule;
  _platform: 'web' | 'node';
  _defaultStorage: 'local' | 'memory';
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

const CALLBACKS = { sent: 'onSent', rejected: 'onRejected', dropped: 'onDropped' } as const;

const ZERO: Stats = { tracked: 0, invalid: 0, propertiesDropped: 0, delivered: 0, rejected: 0,
  discarded: 0, dropped: 0, gaveUp: 0, consentDropped: 0, requests: 0, retries: 0,
  storageErrors: 0, persistErrors: 0 };

// The order of cs_create's settings array (docs/wasm-abi.md); beaconMaxBytes stays the core's.
const SETTINGS = ['flushAt', 'flushIntervalMs', 'maxInFlight', 'beaconMaxBytes', 'maxQueueEvents',
  'maxQueueBytes', 'batchMaxEvents', 'batchMaxBytes', 'retryBaseMs', 'retryMaxMs', 'maxAttempts',
  'maxAgeMs', 'sessionTimeoutMs', 'sessionMaxMs'] as const;

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function openStorage(choice: TrackerConfig['storage'], onFail: (m: string) => void): Persist {
  if (choice === 'memory') return openPersist(null, onFail);
  if (choice && choice !== 'local') return openPersist(choice, onFail);
  // Reading window.localStorage itself throws where storage is blocked.
  const local = attempt(() => g.localStorage);
  return local ? openPersist(local, onFail) : openPersist(null, onFail, 'no localStorage');
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

const noop = (): void => undefined;

export function createTrackerIn(env: HostEnv, config: TrackerConfig): Tracker {
  if (!config || typeof config.endpoint !== 'string' || config.endpoint === '')
    throw new TypeError('clickstream: config.endpoint is required');

  let main: Engine | null = null;
  let calls: Array<() => void> | null = []; // made before ready; null once replayed or dead
  let closing = false;
  // Adopted engines, each with what ends it: closed, unclaimed, and its keys deleted if delivered.
  const adopters = new Map<Engine, (delivered: boolean) => void>();
  let coordinator: Coordinator | null = null;
  let claim: Claim | null = null;
  const unlisten: Array<() => void> = [];
  let firstPage = true;
  let lastUrl = '';
  let viewportDirty = false;

  const dispatch = (list: RawNotification[]): void => {
    for (const n of list) {
      const callback = config[CALLBACKS[n.kind as 'sent'] ?? 'onError'];
      if (!callback) continue;
      try {
        // The core leaves empty strings out of its JSON.
        callback({ kind: n.kind, batchId: n.batch_id ?? '', count: n.count ?? 0,
          message: n.message ?? '' });
      } catch (e) {
        // A failing callback must not break delivery; surface it where the platform can.
        g.reportError?.(e);
      }
    }
  };

  /** Host-side errors are reported asynchronously: they can arise inside a call into the core. */
  const hostError = (message: string): void =>
    queueMicrotask(() => dispatch([{ kind: 'error', message }]));

  const clock = config.now;
  const now = clock ? () => clock() : () => Date.now();
  const prefix = config.storageKey || 'clickstream';
  const persist = openStorage(config.storage ?? env._defaultStorage, hostError);
  const initial = initialConsent(config);
  let consent = initial; // the latest choice: what an adopted queue starts with
  const nav = g.navigator;
  const zone = attempt(() => Intl.DateTimeFormat().resolvedOptions());
  const device: Device = [nav?.language || zone?.locale || '', zone?.timeZone || '',
    g.screen ? `${g.screen.width}x${g.screen.height}` : '', viewport(), env._platform,
    `clickstream-js/${VERSION}`];

  const options = (): EngineOptions => {
    // Counts are 32-bit in wasm (size_t): clamp there, not in an out-of-range C++ cast.
    const setting = (k: (typeof SETTINGS)[number]): number => {
      const v = (config as unknown as Record<string, unknown>)[k];
      if (!Number.isFinite(v) || (v as number) < 0) return NaN;
      return Math.min(Math.floor(v as number), k.endsWith('Ms') ? 2 ** 53 : 2 ** 32 - 1);
    };
    const custom = config.fetch;
    return {
      _endpoint: config.endpoint,
      _settings: SETTINGS.map(setting),
      _now: now,
      // The global is looked up per request: a fetch installed later (a polyfill) counts.
      _fetch: (input, init) => (custom || fetch)(input, init),
      _device: device,
      _notify: dispatch,
    };
  };

  const engines = (): Engine[] => main ? [main, ...adopters.keys()] : [];

  const run = (op: (e: Engine) => void): void => {
    if (closing) return;
    if (main) op(main);
    else calls?.push(() => main && op(main));
  };

  /** Properties as JSON text; null (and onError) when JSON.stringify cannot serialize them. */
  const serialize = (properties: Properties | undefined): string | null => {
    if (properties === undefined || properties === null) return '';
    try {
      return JSON.stringify(properties) ?? '';
    } catch (e) {
      hostError(`properties not serializable: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  };

  /** The viewport when the call is made (a buffered call applies it when replayed). */
  const readViewport = (): string => {
    viewportDirty = false;
    return viewport();
  };

  const applyViewport = (view: string): void => {
    if (view === device[3]) return;
    device[3] = view;
    main?._call('_cs_set_device', ...device);
  };

  const pageContext = (page: Partial<PageContext> = {}): string[] => {
    const url = page.url ?? g.location?.href ?? '';
    // A caller's url without a path: the core derives the path from the url.
    const path = page.path ?? (page.url !== undefined ? '' : g.location?.pathname ?? '');
    const referrer = page.referrer ?? (firstPage ? g.document?.referrer ?? '' : lastUrl);
    const title = page.title ?? g.document?.title ?? '';
    firstPage = false;
    lastUrl = String(url);
    return [String(url), String(path), String(title), String(referrer)];
  };

  /** track() and pageView(): `args` are the call's strings between its time and properties. */
  const record = (fn: '_cs_track' | '_cs_page_view', properties: Properties | undefined,
    args: () => string[]): void => {
    if (closing) return;
    const t = now();
    const props = serialize(properties);
    if (props === null) return;
    const strings = args();
    // A page view always carries the viewport; an event only once it changed.
    const view = fn === '_cs_page_view' || viewportDirty ? readViewport() : null;
    run((e) => {
      if (view !== null) applyViewport(view);
      e._record(fn, [t, ...strings, props]);
    });
  };

  /** The consent for the own queue and every adopted one (a denied orphan is finished). */
  const applyConsent = (code: number): void => {
    for (const e of engines()) {
      e._setConsent(code);
      finishAdopted(e);
    }
  };

  const flushAll = (): Promise<void> =>
    Promise.all(engines().map((e) => e._flush())).then(noop);

  const stop = (): void => {
    for (const off of unlisten.splice(0)) off();
    main?._close();
    for (const end of adopters.values()) end(false);
    claim?._release();
    coordinator?._stop();
  };

  // ---- orphans: queues of closed tabs, delivered by a send-only second core

  /** Delivered: the orphan's keys go and its lock is released. */
  const finishAdopted = (engine: Engine): boolean => {
    const end = adopters.get(engine);
    if (!end || engine._call('_cs_pending') > 0) return false;
    end(true);
    return true;
  };

  /** Resolves once the orphan is delivered (or the tracker stops). */
  const adopt = async (queueId: string): Promise<void> => {
    const orphan = await coordinator?._claimOrphan(queueId);
    if (!orphan) return;
    const store = queueStore(persist, prefix, queueId, false);
    if (closing || (persist._get(`${prefix}:consent`) ?? consent) === 'denied') {
      if (!closing) store._clear();
      orphan._release();
      return;
    }
    const o = options();
    const code = CONSENTS.indexOf(consent);
    let engine: Engine | undefined;
    try {
      engine = createEngine(await env._load(store), store, o, code, false,
        () => engine && finishAdopted(engine));
    } finally {
      if (!engine || closing) {
        engine?._close();
        orphan._release();
      }
    }
    if (closing) return;
    const adopted = engine;
    await new Promise<void>((done) => {
      adopters.set(adopted, (delivered) => {
        adopters.delete(adopted);
        adopted._close();
        orphan._release(); // first: a released heartbeat writes a key that clear() then removes
        if (delivered) store._clear();
        done();
      });
      if (!finishAdopted(adopted)) adopted._pump();
    });
  };

  /** One at a time: a tab runs at most one extra core, and other tabs can take the rest. */
  const adoptOrphans = async (own: string): Promise<void> => {
    const queues = new Set<string>();
    const head = prefix + ':';
    for (const k of persist._keys()) {
      const end = k.startsWith(head) ? k.indexOf(':', head.length) : -1;
      if (end > head.length) queues.add(k.slice(head.length, end));
    }
    for (const queueId of queues) {
      if (closing) return;
      if (queueId !== own) await adopt(queueId).catch(noop);
    }
  };

  // ---- start

  const start = async (): Promise<void> => {
    try {
      const c = coordinatorFor(persist, prefix, now);
      coordinator = c;
      const session = attempt(() => g.sessionStorage);
      const sessionKey = `${prefix}:queue`;
      // A reload finds its queue id in sessionStorage and resumes its own batches.
      const own = await c._claimOwn(
        (session && attempt(() => session.getItem(sessionKey))) || (session ? null : 'main'));
      claim = own;
      attempt(() => session?.setItem(sessionKey, own._queueId));
      const store = queueStore(persist, prefix, own._queueId, true);
      const module = await env._load(store);
      await c._exclusive(() => {
        main = createEngine(module, store, options(), CONSENTS.indexOf(initial),
          !!config.onDropped);
        const replay = calls ?? [];
        calls = null;
        for (const f of replay) f();
      });
      main?._pump();
      if (!closing) void adoptOrphans(own._queueId);
    } catch (e) {
      calls = null;
      stop();
      hostError(`the wasm module did not start: ${e instanceof Error ? e.message : e}`);
      throw e;
    }
  };

  // ---- browser: page lifecycle, other tabs, viewport

  const unload = (): void => {
    const nav = g.navigator;
    const beacon = typeof nav?.sendBeacon === 'function'
      ? (url: string, body: string) => attempt(() => nav.sendBeacon!(url, body)) === true
      : null;
    for (const e of engines()) e._drainForUnload(beacon);
  };

  /** Another tab of the origin wrote a shared key: one client, one session, one consent. */
  const fromOtherTab = (e: StorageEvent): void => {
    if (!main || e.newValue === null || (e.storageArea && e.storageArea !== persist._adapter))
      return;
    const key = e.key?.startsWith(prefix + ':') ? e.key.slice(prefix.length + 1) : '';
    if (key === 'client' || key === 'session') {
      // Both, as they are now: a reset elsewhere wrote a client and a session, and the core
      // must judge them together (the event for the second may not have arrived yet).
      for (const k of ['client', 'session']) {
        const v = persist._get(`${prefix}:${k}`);
        if (v !== null) main._call('_cs_restore_state', k, v);
      }
      main._call('_cs_reload_state');
    } else if (key === 'consent' && CONSENTS.includes(e.newValue as Consent)) {
      consent = e.newValue as Consent;
      applyConsent(CONSENTS.indexOf(consent));
    }
  };

  const doc = g.document;
  if (doc && typeof g.addEventListener === 'function') {
    const on = (target: EventTarget, type: string, fn: (e: Event) => void): void => {
      target.addEventListener(type, fn, { passive: true });
      unlisten.push(() => target.removeEventListener(type, fn));
    };
    const win = globalThis as unknown as EventTarget;
    on(doc, 'visibilitychange', () => {
      if (doc.visibilityState === 'hidden') unload();
      else for (const e of engines()) e._resume(false);
    });
    // pagehide, never unload/beforeunload: those break the bfcache and are unreliable on mobile.
    on(win, 'pagehide', (e) => {
      unload();
      coordinator?._pagehide((e as PageTransitionEvent).persisted === true);
    });
    on(win, 'pageshow', (e) => {
      if ((e as PageTransitionEvent).persisted !== true) return;
      coordinator?._pageshow();
      for (const x of engines()) x._resume(true);
    });
    on(win, 'resize', () => {
      viewportDirty = true;
    });
    if (persist._durable()) on(win, 'storage', (e) => fromOtherTab(e as StorageEvent));
  }

  const ready = start();
  // A load failure goes to onError; whoever awaits `ready` still sees it, nobody else has to.
  ready.catch(noop);

  const simple = (fn: CsCall, ...args: string[]): void => run((e) => e._call(fn, ...args));

  return {
    ready,
    track: (eventName, properties) =>
      // a missing name is refused by the core, not 'undefined'
      record('_cs_track', properties, () => [String(eventName ?? '')]),
    pageView: (properties, page) => record('_cs_page_view', properties, () => pageContext(page)),
    identify: (userId, identitySource) =>
      simple('_cs_identify', String(userId ?? ''), String(identitySource ?? '')),
    reset: () => simple('_cs_reset'),
    setConsent(choice) {
      if (!CONSENTS.includes(choice)) {
        hostError(`unknown consent '${String(choice)}'`);
        return;
      }
      consent = choice;
      run(() => applyConsent(CONSENTS.indexOf(choice)));
    },
    flush: () => ready.then(flushAll, noop),
    shutdown() {
      closing = true;
      return ready.then(flushAll, noop).then(stop);
    },
    stats: () => ({ ...ZERO, ...main?._json<Stats>('_cs_stats'),
      persistErrors: persist._errors() }),
    // The core leaves empty strings out of its JSON.
    identity: () => ({ clientId: '', userId: '', sessionId: '', sessionIndex: 0,
      ...main?._json<Identity>('_cs_identity') }),
  };
}
