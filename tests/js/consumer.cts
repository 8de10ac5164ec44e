// The CommonJS view of the package (require condition): same API, same types.
import sdk = require('clickstream-sdk');

const tracker: sdk.Tracker = sdk.createTracker({ endpoint: 'http://127.0.0.1:8787/clickstream' });
tracker.track('signup', { plan: 'pro' });
const stats: sdk.Stats = tracker.stats();
// @ts-expect-error flush returns a promise, not stats
const wrong: sdk.Stats = tracker.flush();

export = { stats, wrong };
