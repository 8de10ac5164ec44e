// One core (module instance) and the I/O around it: restore, the sending loop, its one timer and
// the unload drain. The tracker runs one for its own queue and one per adopted orphan queue.
import { Abi, NEVER, type ConsentCode, type CsModule, type LoadModule, type RawNotification,
  type Request } from './abi.js';
import type { QueueStore } from './store.js';

export type Device = [locale: string, timezone: string, screen: string, viewport: string,
  platform: string, sdk: string];

export interface EngineOptions {
  endpoint: string;
  settings: number[];
  consent: ConsentCode;
  now: () => number;
  fetch: typeof fetch;
  device: Device;
  notify: (list: RawNotification[]) => void;
  /** Take notifications after every successful track: only drops come from those. */
  watchTrack: boolean;
  /** After each response: an adopter checks whether its queue is delivered. */
  onResponse?: () => void;
}

const HEADERS = { 'Content-Type': 'text/plain;charset=UTF-8' };
const REQUEST_TIMEOUT_MS = 30_000;

/** A stalled request ends as a network error (retried) instead of holding flush() forever. */
const timeout = (): AbortSignal | undefined =>
  typeof AbortSignal !== 'undefined' && typeof AbortSignal.timeout === 'function'
    ? AbortSignal.timeout(REQUEST_TIMEOUT_MS) : undefined;

export class Engine {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = 0;
  private inFlight = 0;
  private idle: Array<() => void> = [];
  private beaconed = false;
  private closed = false;

  private constructor(private readonly abi: Abi, private readonly o: EngineOptions) {}

  /** A fresh module instance restored from `store` (before cs_create, as the ABI requires). */
  static async start(load: LoadModule, store: QueueStore, o: EngineOptions): Promise<Engine> {
    return Engine.create(await load(store), store, o);
  }

  /** Restores and creates the core of a loaded module (`store` is its csHost). */
  static create(module: CsModule, store: QueueStore, o: EngineOptions): Engine {
    const abi = new Abi(module);
    const { state, events } = store.load();
    for (const [key, value] of state) abi.restoreState(key, value);
    for (const [seq, body] of events) abi.restoreEvent(seq, body);
    abi.setPersist(store.persists);
    abi.create(o.endpoint, o.settings, o.consent, o.now());
    abi.setDevice(...o.device);
    const engine = new Engine(abi, o);
    engine.drain(); // restoring into a smaller queue may have dropped events
    return engine;
  }

  track(now: number, name: string, props: string): void {
    if (this.abi.track(now, name, props) || this.o.watchTrack) this.drain();
    this.schedule();
  }

  pageView(now: number, page: readonly [string, string, string, string], props: string): void {
    if (this.abi.pageView(now, page, props) || this.o.watchTrack) this.drain();
    this.schedule();
  }

  identify(userId: string, source: string): void {
    this.abi.identify(userId, source);
  }
  reset(): void {
    this.abi.reset();
  }
  setDevice(device: Device): void {
    this.abi.setDevice(...device);
  }
  setConsent(c: ConsentCode): void {
    this.abi.setConsent(c);
    this.pump();
  }

  /** Another tab wrote the shared client or session: the core re-reads both at once. */
  restoreShared(values: Array<[string, string]>): void {
    for (const [key, value] of values) this.abi.restoreState(key, value);
    this.abi.reloadState();
  }

  pending(): number {
    return this.abi.pending();
  }
  stats(): ReturnType<Abi['stats']> {
    return this.abi.stats();
  }
  identity(): ReturnType<Abi['identity']> {
    return this.abi.identity();
  }

  /** Resolves when nothing more can be sent right now (sent, or waiting out a backoff). */
  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.abi.flush();
    return new Promise((resolve) => {
      this.idle.push(resolve);
      this.pump();
    });
  }

  /** Sends every request the core allows now, then arms the timer for the next chance. */
  pump(): void {
    if (this.closed) return;
    for (let r; (r = this.abi.nextRequest(this.o.now(), false)); ) void this.post(r, r.beacon);
    this.schedule();
    if (this.inFlight === 0) this.settle();
  }

  /**
   * The page is being hidden or left: everything goes at once in beacon-sized batches. A refused
   * beacon falls back to a keepalive fetch; an unanswered beacon stays "on the wire" until
   * resume(), and in storage until the ingest answers a resend (same batch id, stored once).
   */
  drainForUnload(beacon: ((url: string, body: string) => boolean) | null): void {
    if (this.closed) return;
    for (let r; (r = this.abi.nextRequest(this.o.now(), true)); ) {
      if (r.beacon && beacon?.(r.url, r.body)) this.beaconed = true;
      else void this.post(r, r.beacon);
    }
  }

  /** Visible again (or back from the bfcache): unanswered requests go back in line. */
  resume(always: boolean): void {
    if (always || this.beaconed) this.abi.resume();
    this.beaconed = false;
    this.pump();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.settle();
  }

  private async post(r: Request, keepalive: boolean): Promise<void> {
    this.inFlight++;
    let status = 0;
    let retryAfter = '';
    let text = '';
    const send = this.o.fetch; // called unbound: window.fetch refuses another `this`
    try {
      const res = await send(r.url, { method: 'POST', body: r.body, keepalive, headers: HEADERS,
        signal: timeout() });
      status = res.status;
      retryAfter = res.headers.get('Retry-After') ?? '';
      text = await res.text();
    } catch {
      // No answer is status 0 (kept if the status arrived and only the body failed). Awaiting keeps
      // the report asynchronous even when fetch throws at once, so an unload loop cannot pick the
      // same batch again and again.
      await undefined;
    }
    this.inFlight--;
    if (this.closed) return;
    this.abi.onResponse(this.o.now(), r.batchId, status, retryAfter, text);
    this.drain();
    this.o.onResponse?.();
    this.pump();
  }

  /** One pending timer at most, at the core's next wakeup; an earlier one re-evaluates anyway. */
  private schedule(): void {
    const at = this.abi.nextWakeup();
    if (at >= NEVER || (this.timer !== undefined && this.timerAt <= at)) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    const timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(0, at - this.o.now()));
    // In node the tracker never keeps a process alive: scripts call shutdown() or flush().
    (timer as { unref?: () => void }).unref?.();
    this.timer = timer;
  }

  private drain(): void {
    const list = this.abi.notifications();
    if (list.length) this.o.notify(list);
  }

  private settle(): void {
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }
}
