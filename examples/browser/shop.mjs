// The browser package without a framework: a product page that tracks the seed's product flow.
// The collector's URL comes from ?endpoint=…; the package is served from /dist/ next to this page.
import { createTracker } from '/dist/index.js';

const endpoint = new URLSearchParams(location.search).get('endpoint');
const tracker = createTracker({ endpoint, flushIntervalMs: 500 });
const product = {
  product_id: 'SKU-12345',
  product_name: 'Gaming Laptop 15 inch',
  product_category: 'Laptops',
  product_price: 1299.0,
};

tracker.pageView();
tracker.track('product_view', product);
document.getElementById('add').onclick = () => tracker.track('add_to_cart', product);
document.getElementById('remove').onclick = () => tracker.track('remove_from_cart', product);
document.getElementById('checkout').onclick = () => tracker.track('begin_checkout', { value: 1299.0 });

// For the demo script: click through the flow and wait until everything was delivered.
window.runFlow = async () => {
  for (const id of ['add', 'remove', 'add', 'checkout']) document.getElementById(id).click();
  await tracker.flush();
  return tracker.stats();
};
