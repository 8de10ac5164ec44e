'use client';
// React bindings (`clickstream-sdk/react`): a provider holding the tracker config, a hook returning
// the tracker, and page views keyed by location. Nothing runs during server rendering: the tracker
// is created on the client only, on first use or when the provider mounts.
import { createContext, createElement, useContext, useEffect, useMemo } from 'react';
import type { ReactNode } from 'react';
import { createTracker } from './index.js';
import { acquire, get, pageViewOnce, release } from './shared.js';
import type { Tracker, TrackerConfig } from './types.cjs';

export type * from './types.cjs';

const ConfigContext = createContext<TrackerConfig | null>(null);

export interface ClickstreamProviderProps {
  config: TrackerConfig;
  children?: ReactNode;
}

/** Keeps one tracker for `config` while mounted; StrictMode's remount reuses it. */
export function ClickstreamProvider({ config, children }: ClickstreamProviderProps) {
  useEffect(() => {
    acquire(config, createTracker);
    return () => release(config);
  }, [config]);
  return createElement(ConfigContext.Provider, { value: config }, children);
}

/** The config of the enclosing <ClickstreamProvider> (for bindings such as `clickstream-sdk/next`). */
export function useTrackerConfig(): TrackerConfig {
  const config = useContext(ConfigContext);
  if (!config) throw new Error('clickstream-sdk/react: wrap the app in <ClickstreamProvider>');
  return config;
}

/**
 * The tracker. Stable across renders; each call reaches the shared tracker, created then if needed:
 * children's effects run before their provider's, so a mount-time track() must not wait for it.
 * Call it from effects and handlers, not while rendering (there is no tracker on the server).
 */
export function useTracker(): Tracker {
  const config = useTrackerConfig();
  return useMemo(() => {
    const t = () => get(config, createTracker);
    return {
      get ready() { return t().ready; },
      pageView: (properties, page) => t().pageView(properties, page),
      track: (name, properties) => t().track(name, properties),
      identify: (userId, source) => t().identify(userId, source),
      reset: () => t().reset(),
      setConsent: (consent) => t().setConsent(consent),
      flush: () => t().flush(),
      shutdown: () => t().shutdown(),
      stats: () => t().stats(),
      identity: () => t().identity(),
    };
  }, [config]);
}

/**
 * Sends `page_view` when `location` (pathname + search) changes, once per value: a re-run effect
 * for the same location (StrictMode, a remount) sends nothing. The page's fields come from
 * `location`/`document` at that moment.
 */
export function usePageViews(location: string): void {
  const config = useTrackerConfig();
  useEffect(() => {
    pageViewOnce(config, location, createTracker);
  }, [config, location]);
}
