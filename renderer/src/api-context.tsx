import { createContext, useCallback, useContext, useEffect, useState } from 'react';

import type { BrokerApi, BrokerEvent } from '../../main/contract/window-api.js';

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

/** What a load settled with, and for which inputs (api, reload count, deps). */
interface Settled<T> {
  inputs: readonly unknown[];
  data: T | undefined;
  error: Error | undefined;
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}

/**
 * Runs `load` now, whenever `deps` change and on `reload()`; keeps the last data while reloading.
 * `loading` is derived (the last settled load was for other inputs), so no state is set during an
 * effect's body, only when the load settles.
 */
export function useLoad<T>(load: (api: BrokerApi) => Promise<T>, deps: readonly unknown[] = []): Loaded<T> {
  const api = useBrokerApi();
  const [tick, setTick] = useState(0);
  const [settled, setSettled] = useState<Settled<T>>({ inputs: [], data: undefined, error: undefined });
  const inputs = [api, tick, ...deps];
  useEffect(() => {
    let live = true;
    load(api).then(
      (value) => {
        if (live) setSettled({ inputs, data: value, error: undefined });
      },
      (err: unknown) => {
        if (live)
          setSettled((s) => ({
            inputs,
            data: s.data,
            error: err instanceof Error ? err : new Error(String(err)),
          }));
      },
    );
    return () => {
      live = false;
    };
    // `load` is usually an inline function; the caller's `deps` say when it means something new.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, inputs);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: settled.data, error: settled.error, loading: !sameInputs(settled.inputs, inputs), reload };
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
