import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import type { BrokerApi, BrokerEvent } from '../../main/broker/window/broker-api.js';

const ApiContext = createContext<BrokerApi | undefined>(undefined);

export const ApiProvider = ApiContext.Provider;

/** The one `BrokerApi` of this window (Electron preload bridge or browser mode's HTTP bridge). */
export function useBrokerApi(): BrokerApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useBrokerApi outside <ApiProvider>');
  return api;
}

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` now and on `reload()`; keeps the last data while reloading. */
export function useLoad<T>(load: (api: BrokerApi) => Promise<T>, deps: readonly unknown[] = []): Loaded<T> {
  const api = useBrokerApi();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load(api).then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(err instanceof Error ? err : new Error(String(err)));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [api, tick, ...deps]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** Calls `listener` for each live event while the component is mounted. */
export function useBrokerEvents(listener: (event: BrokerEvent) => void): void {
  const api = useBrokerApi();
  useEffect(() => api.onEvent(listener), [api, listener]);
}

/** Wraps an action: tracks it running and its error, so buttons can disable and errors show. */
export function useAction(): {
  run: (action: () => Promise<unknown>) => Promise<void>;
  busy: boolean;
  error: Error | undefined;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  }, []);
  return { run, busy, error, clear: () => setError(undefined) };
}
