import { useCallback, useEffect, useState } from 'react';

import type { ApiOutput, BrokerEvent } from '../../../main/contract/window-api.js';
import { useAction, useBrokerApi, useBrokerEvents, useLoad } from '../api-context.js';
import { EmptyState, ErrorBanner } from '../components/feedback.js';
import { SignInCode } from '../components/sign-in-code.js';

type Pending = ApiOutput<'signIn'> & { provider: string };

/** Providers: configured identity providers, sign-in with live progress, accounts, sign-out. */
export function ProvidersScreen() {
  const api = useBrokerApi();
  const loaded = useLoad((a) => a.listProviders({}));
  const action = useAction();
  const reload = loaded.reload;
  const [pending, setPending] = useState<Pending | undefined>();
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>();
  const onEvent = useCallback(
    (event: BrokerEvent) => {
      if (event.type !== 'audit' || !event.record.type.startsWith('provider.')) return;
      if (event.record.type === 'provider.signin' || event.record.type === 'provider.signin_failed') {
        const ok = event.record.type === 'provider.signin';
        setPending(undefined);
        setOutcome({ ok, text: ok ? 'Signed in.' : `Sign-in failed: ${event.record.message ?? ''}` });
      }
      reload();
    },
    [reload],
  );
  useBrokerEvents(onEvent);
  const { run } = action;
  useEffect(() => {
    // `#/providers/<id>` (the tray's "Sign in…") starts that provider's sign-in, or rejoins it.
    const fromHash = () => {
      const provider = /^#\/providers\/([a-z0-9-]+)$/.exec(window.location.hash)?.[1];
      if (!provider) return;
      window.location.hash = '#/providers';
      void run(async () => setPending({ provider, ...(await api.signIn({ provider })) }));
    };
    fromHash();
    window.addEventListener('hashchange', fromHash);
    return () => window.removeEventListener('hashchange', fromHash);
  }, [api, run]);
  const data = loaded.data;
  return (
    <div className="screen">
      <header className="screen-head">
        <h2>Providers</h2>
        <p>
          Sign in once to GitHub, Google or your company’s identity provider; servers get the tokens from
          here.
        </p>
      </header>
      <ErrorBanner error={loaded.error ?? action.error} onDismiss={action.clear} />
      {outcome ? (
        <div className={`banner ${outcome.ok ? 'banner-ok' : 'banner-error'}`} role="status">
          <p>{outcome.text}</p>
        </div>
      ) : null}
      {data && !data.available ? (
        <EmptyState title="Provider sign-in is not set up">
          <p>{data.message}</p>
        </EmptyState>
      ) : null}
      {data?.available && data.providers.length === 0 ? (
        <EmptyState title="No providers configured">
          <p>Add a provider to the config file’s “providers” section, then restart the broker.</p>
        </EmptyState>
      ) : null}
      {pending ? <SignInCode started={pending} variant="inline" /> : null}
      <ul className="cards" aria-label="Providers">
        {data?.providers.map((p) => (
          <li key={p.id} className="card" aria-labelledby={`provider-${p.id}`}>
            <div className="card-head">
              <h3 id={`provider-${p.id}`}>{p.name}</h3>
              <span className="muted">{p.accounts.length === 0 ? 'not signed in' : ''}</span>
            </div>
            <ul className="accounts" aria-label={`${p.name} accounts`}>
              {p.accounts.map((acc) => (
                <li key={acc.id} className="row">
                  <span>
                    {acc.label}{' '}
                    <span className="muted">({acc.status === 'ok' ? 'signed in' : 'sign-in needed'})</span>
                  </span>
                  <button
                    type="button"
                    disabled={action.busy}
                    onClick={() =>
                      void action.run(() => api.signOut({ account: acc.id }).then(loaded.reload))
                    }
                  >
                    Sign out
                  </button>
                </li>
              ))}
            </ul>
            <div className="row">
              <button
                type="button"
                className="primary"
                disabled={action.busy || pending !== undefined}
                onClick={() =>
                  void action.run(async () => {
                    setOutcome(undefined);
                    setPending({ provider: p.id, ...(await api.signIn({ provider: p.id })) });
                  })
                }
              >
                Sign in to {p.name}
              </button>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
