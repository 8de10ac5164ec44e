// Type-checked with consumer.ts (tsconfig.bundler.json): the React and Next bindings' declarations.
import { createElement } from 'react';
import { ClickstreamProvider, usePageViews, useTracker, useTrackerConfig, type Tracker } from 'clickstream-sdk/react';
import { PageViews } from 'clickstream-sdk/next';

export function App() {
  return createElement(ClickstreamProvider, { config: { endpoint: '/c', flushIntervalMs: 1000 } },
    createElement(PageViews), createElement(Shop));
}

function Shop() {
  const tracker: Tracker = useTracker();
  const endpoint: string = useTrackerConfig().endpoint;
  usePageViews('/cart?step=2');
  tracker.track('add_to_cart', { product_id: 'SKU-1' });
  // @ts-expect-error the location is a string
  usePageViews(1);
  return createElement('p', null, endpoint);
}
