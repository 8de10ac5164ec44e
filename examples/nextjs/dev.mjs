// `npm run shop`: the local collector and the shop (`next dev`, so edits reload) on 127.0.0.1, for
// clicking around by hand. Stored batches land in .collector-data/ (`npm run inspect -- .collector-data`).
// Ports: SHOP_PORT and COLLECTOR_PORT, free ones by default.
import { startCollector } from '../ingest/collector.mjs';
import { ensureSdkBuilt, freePort, startShop } from './servers.mjs';

ensureSdkBuilt();
const collector = await startCollector({ port: Number(process.env.COLLECTOR_PORT ?? 0), allowOrigin: '*' });
const shop = await startShop({ endpoint: collector.url, port: Number(process.env.SHOP_PORT || await freePort()),
  dev: true });
console.log(`\nshop:      ${shop.url}/?utm_source=google&utm_medium=cpc&utm_campaign=demo&gclid=demo`);
console.log(`collector: ${collector.url}`);
console.log(`data:      ${collector.dataDir}\nCtrl-C stops both.`);

const stop = async () => {
  await shop.stop();
  await collector.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
