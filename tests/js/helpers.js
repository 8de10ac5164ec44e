// Shared fakes for the JS host's tests: a scripted ingest behind an injected fetch, a Web
// Storage-like map (with an optional quota), a manual clock.

/**
 * A fake ingest. `answer(request, n)` returns a status (200 by default), 'network' to reject like
 * a failed fetch, or { status, headers }. Every request is recorded with its parsed body.
 */
export function ingest(answer = () => 200) {
  const requests = [];
  const fetch = async (url, init) => {
    const u = new URL(url);
    const request = {
      url,
      init,
      batchId: u.searchParams.get('batch_id'),
      events: JSON.parse(init.body),
    };
    requests.push(request);
    let reply = answer(request, requests.length);
    if (reply === 'network') {
      request.status = 0;
      throw new TypeError('fetch failed');
    }
    if (typeof reply === 'number') reply = { status: reply };
    request.status = reply.status;
    const body = reply.status === 200
      ? JSON.stringify({ accepted: request.events.length, rejected: [] }) : '';
    return new Response(body, { status: reply.status, headers: reply.headers ?? {} });
  };
  return {
    fetch,
    requests,
    /** Events of the requests answered 200, in order. */
    delivered: () => requests.filter((r) => r.status === 200).flatMap((r) => r.events),
  };
}

/** localStorage's shape over a Map; setItem throws QuotaExceededError past `quota` characters. */
export class FakeStorage {
  /** `onChange(key, newValue)` runs after a write that changed a value (as storage events do). */
  constructor(quota = Infinity, onChange = null) {
    this.map = new Map();
    this.quota = quota;
    this.onChange = onChange;
  }
  get length() {
    return this.map.size;
  }
  key(i) {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k) {
    return this.map.has(k) ? this.map.get(k) : null;
  }
  setItem(k, v) {
    let size = String(v).length + k.length;
    for (const [key, value] of this.map) if (key !== k) size += key.length + value.length;
    if (size > this.quota) throw new DOMException('Quota exceeded', 'QuotaExceededError');
    const changed = this.map.get(k) !== String(v);
    this.map.set(k, String(v));
    if (changed) this.onChange?.(k, String(v));
  }
  removeItem(k) {
    const had = this.map.delete(k);
    if (had) this.onChange?.(k, null);
  }
  keys() {
    return [...this.map.keys()];
  }
}

export function clock(start = Date.UTC(2025, 11, 4, 15, 0, 0)) {
  const c = { t: start, now: () => c.t };
  return c;
}

/** Lets pending promise callbacks and fetch mocks run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Waits (real time) until `condition()` holds; fails the test after `ms` instead of hanging. */
export async function until(condition, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${condition}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
