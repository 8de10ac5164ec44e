'use client';
// Next.js App Router page views (`clickstream-sdk/next`): only this entry imports next/navigation,
// so the React bindings work without next.
import { createElement, Suspense, useEffect } from 'react';
import { usePathname, useSearchParams } from 'next/navigation';
import { createTracker } from './index.js';
import { useTrackerConfig } from './react.js';
import { pageViewOnce } from './shared.js';

/**
 * A page view for the URL as it is when the effect runs (the router has updated it by then),
 * whenever `trigger` changes; both hooks below key it the same way, so they never send it twice.
 */
function usePageViewOn(trigger: string | null): void {
  const config = useTrackerConfig();
  useEffect(() => {
    pageViewOnce(config, window.location.pathname + window.location.search, createTracker);
  }, [config, trigger]);
}

function QueryViews(): null {
  usePageViewOn(useSearchParams()?.toString() ?? '');
  return null;
}

/**
 * Place once inside <ClickstreamProvider>, before the pages (e.g. in the root layout): effects run
 * in tree order, so each page view precedes the events the new page sends when it mounts.
 * usePathname() works during hydration; useSearchParams() needs a Suspense boundary on static
 * pages, which renders only after hydration, so it handles query-only navigations alone.
 */
export function PageViews() {
  usePageViewOn(usePathname());
  return createElement(Suspense, { fallback: null }, createElement(QueryViews));
}
