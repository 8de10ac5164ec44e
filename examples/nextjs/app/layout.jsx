import { ClickstreamProvider } from 'clickstream-sdk/react';
import { PageViews } from 'clickstream-sdk/next';
import { Header, ShopProvider } from './shop.jsx';

export const metadata = { title: 'Clickstream shop' };

// Inlined at build time (NEXT_PUBLIC_): the collector, or API Gateway's POST /clickstream.
const config = {
  endpoint: process.env.NEXT_PUBLIC_CLICKSTREAM_ENDPOINT ?? 'http://127.0.0.1:8787/clickstream',
  flushIntervalMs: 1000, // a demo: events reach the collector within a second
};

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>
        <ClickstreamProvider config={config}>
          {/* Before the pages: each page view is sent before the new page's own events. */}
          <PageViews />
          <ShopProvider>
            <Header />
            <main>{children}</main>
          </ShopProvider>
        </ClickstreamProvider>
      </body>
    </html>
  );
}
