// The track() benchmark loop, shared by node and the browser page so both time the same code
// (bench/track.mjs drives it). One tracker for every round, as a site keeps one for its life:
// warm-up rounds bring the JIT and the wasm tiers up. A run is timed in chunks with an untimed
// flush after each: 10,000 queued events (~7 MB of JSON text) would not fit localStorage's 5 M
// characters, and a failed write switches the tracker to memory, which would time something else.
export const EVENTS = 10_000;
export const RUNS = 5;
export const WARMUPS = 3;
const CHUNK = 2_500;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** ms for CHUNK calls of `call(name, props)` from `first` on, with typical product properties. */
function timeChunk(call, first) {
  const start = performance.now();
  for (let i = first; i < first + CHUNK; i++) {
    call('product_click', { product_id: `sku-${i % 500}`, product_price: 19.99, position: i % 24,
      list: 'search results' });
  }
  return performance.now() - start;
}

let kept; // the baseline stores its argument, so the JIT cannot drop the property objects
const empty = (name, props) => {
  kept = props;
};

/** { emptyUs, trackUs, runs, stats }: medians of RUNS after WARMUPS, per call. */
export async function measure(createTracker, config) {
  // flushAt and the interval out of reach: nothing is sent inside a timed loop.
  const tracker = createTracker({ flushAt: 1e9, flushIntervalMs: 1e9, ...config });
  await tracker.ready;
  const track = (name, props) => tracker.track(name, props);
  const runs = { empty: [], track: [] };
  for (let round = 0; round < WARMUPS + RUNS; round++) {
    let e = 0;
    let t = 0;
    for (let first = 0; first < EVENTS; first += CHUNK) {
      e += timeChunk(empty, first);
      t += timeChunk(track, first);
      await tracker.flush();
    }
    if (round >= WARMUPS) {
      runs.empty.push((e * 1000) / EVENTS);
      runs.track.push((t * 1000) / EVENTS);
    }
  }
  const stats = tracker.stats();
  await tracker.shutdown();
  return { emptyUs: median(runs.empty), trackUs: median(runs.track), runs, stats };
}
