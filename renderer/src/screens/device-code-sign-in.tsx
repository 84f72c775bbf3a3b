import { useCallback, useEffect, useState } from 'react';

import type { ApiOutput, BrokerEvent } from '../../../main/contract/window-api.js';
import { useBrokerApi, useBrokerEvents } from '../api-context.js';
import { ErrorBanner } from '../components/feedback.js';
import { SignInCode } from '../components/sign-in-code.js';

/** How long "Signed in" stays visible before the window closes itself. */
export const CLOSE_AFTER_SUCCESS_MS = 1500;

type Outcome = { ok: true } | { ok: false; text: string };

/** The hash route of the small sign-in window, `#/sign-in/<provider>`; the provider id, if it is one. */
export function signInProviderFromHash(hash: string): string | undefined {
  const match = /^#\/sign-in\/([\w.-]+)$/.exec(hash);
  return match?.[1];
}

/** True when an audit record is the outcome of this provider's sign-in (`provider:<id>:<account>`). */
function outcomeOf(event: BrokerEvent, provider: string): Outcome | undefined {
  if (event.type !== 'audit' || !event.record.secretName?.startsWith(`provider:${provider}:`))
    return undefined;
  if (event.record.type === 'provider.signin') return { ok: true };
  if (event.record.type === 'provider.signin_failed')
    return { ok: false, text: event.record.message ?? 'The sign-in failed.' };
  return undefined;
}

/** Becomes true once `until` has passed. */
function useExpired(until: string | undefined): boolean {
  const [passed, setPassed] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (!until) return;
    const timer = setTimeout(() => setPassed(until), Math.max(0, Date.parse(until) - Date.now()));
    return () => clearTimeout(timer);
  }, [until]);
  return until !== undefined && passed === until;
}

function Finished({ outcome, onRetry }: { outcome: Outcome; onRetry: () => void }) {
  if (outcome.ok)
    return (
      <div className="banner banner-ok" role="status">
        <p>Signed in. This window closes itself.</p>
      </div>
    );
  return (
    <div className="banner banner-error" role="alert">
      <p>{outcome.text}</p>
      <button type="button" className="primary" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

/**
 * The small sign-in window the tray opens (`#/sign-in/<provider>`): starts, or rejoins, the
 * provider's sign-in and shows the device code (RFC 8628 §3.3) with Copy, Open browser and a
 * countdown to expiry. It follows the live `provider.signin` / `provider.signin_failed` events and
 * closes itself on success; denied and expired sign-ins say so and offer a new attempt.
 */
export function DeviceCodeSignIn({
  provider,
  closeWindow = () => window.close(),
}: {
  provider: string;
  closeWindow?: () => void;
}) {
  const api = useBrokerApi();
  const [attempt, setAttempt] = useState(0);
  // Each value is kept with the attempt it belongs to (provider + try), so a new attempt starts
  // blank without resetting state inside an effect.
  const current = `${provider}#${String(attempt)}`;
  const [startedFor, setStarted] = useState<{ at: string; value: ApiOutput<'signIn'> }>();
  const [errorFor, setError] = useState<{ at: string; value: Error }>();
  const [outcomeFor, setOutcome] = useState<{ at: string; value: Outcome }>();
  const started = startedFor?.at === current ? startedFor.value : undefined;
  const error = errorFor?.at === current ? errorFor.value : undefined;
  const outcome = outcomeFor?.at === current ? outcomeFor.value : undefined;
  const expired = useExpired(outcome ? undefined : started?.expiresAt);
  useEffect(() => {
    let live = true;
    api.signIn({ provider }).then(
      (value) => live && setStarted({ at: current, value }),
      (err: unknown) =>
        live && setError({ at: current, value: err instanceof Error ? err : new Error(String(err)) }),
    );
    return () => {
      live = false;
    };
  }, [api, provider, current]);
  const onEvent = useCallback(
    (event: BrokerEvent) =>
      setOutcome((o) => {
        if (o?.at === current) return o;
        const value = outcomeOf(event, provider);
        return value ? { at: current, value } : o;
      }),
    [provider, current],
  );
  useBrokerEvents(onEvent);
  useEffect(() => {
    if (!outcome?.ok) return;
    const timer = setTimeout(closeWindow, CLOSE_AFTER_SUCCESS_MS);
    return () => clearTimeout(timer);
  }, [outcome, closeWindow]);
  const retry = () => setAttempt((a) => a + 1);
  const shown: Outcome | undefined =
    outcome ??
    (expired
      ? { ok: false, text: 'The code expired before it was entered. Get a new code to try again.' }
      : undefined);
  return (
    <main className="sign-in-window">
      <h1>Sign in to {provider}</h1>
      <ErrorBanner error={error} />
      {error ? (
        <button type="button" onClick={retry}>
          Try again
        </button>
      ) : null}
      {shown ? <Finished outcome={shown} onRetry={retry} /> : null}
      {started && !shown ? <SignInCode started={started} variant="window" /> : null}
      {!started && !error ? <p role="status">Starting the sign-in…</p> : null}
    </main>
  );
}
