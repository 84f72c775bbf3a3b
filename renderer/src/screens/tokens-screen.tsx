import { useCallback } from 'react';

import type { BrokerEvent } from '../../../main/contract/window-api.js';
import { useAction, useBrokerApi, useBrokerEvents, useLoad } from '../api-context.js';
import { Countdown, EmptyState, ErrorBanner } from '../components/feedback.js';

/** Tokens: per account the masked value, scopes, expiry countdown, refresh now, revoke. Never the value. */
export function TokensScreen() {
  const api = useBrokerApi();
  const loaded = useLoad((a) => a.listTokens({}));
  const action = useAction();
  const reload = loaded.reload;
  const onEvent = useCallback(
    (event: BrokerEvent) => {
      if (event.type === 'audit' && /^(provider|token)\./.test(event.record.type)) reload();
    },
    [reload],
  );
  useBrokerEvents(onEvent);
  const data = loaded.data;
  return (
    <div className="screen">
      <header className="screen-head">
        <h2>Tokens</h2>
        <p>
          Access tokens the broker holds for your accounts. Values stay in the keychain; only a masked form is
          shown.
        </p>
      </header>
      <ErrorBanner error={loaded.error ?? action.error} onDismiss={action.clear} />
      {data && !data.available ? (
        <EmptyState title="No provider tokens yet">
          <p>{data.message}</p>
        </EmptyState>
      ) : null}
      {data?.available && data.tokens.length === 0 ? (
        <EmptyState title="No tokens">
          <p>Sign in to a provider on the Providers screen; its tokens appear here.</p>
        </EmptyState>
      ) : null}
      {data && data.tokens.length > 0 ? (
        <table aria-label="Tokens">
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Token</th>
              <th scope="col">Scopes</th>
              <th scope="col">Expires</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {data.tokens.map((t) => (
              <tr key={t.id}>
                <td>
                  {t.account} <span className="muted">{t.provider}</span>
                </td>
                <td>
                  <code aria-label="masked token">{t.masked}</code>
                </td>
                <td>{t.scopes.join(' ')}</td>
                <td>{t.expiresAt ? <Countdown until={t.expiresAt} /> : 'no expiry'}</td>
                <td className="row">
                  <button
                    type="button"
                    disabled={!t.refreshable || action.busy}
                    onClick={() => void action.run(() => api.refreshToken({ id: t.id }).then(loaded.reload))}
                  >
                    Refresh now
                  </button>
                  <button
                    type="button"
                    className="danger"
                    disabled={action.busy}
                    onClick={() => void action.run(() => api.revokeToken({ id: t.id }).then(loaded.reload))}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
