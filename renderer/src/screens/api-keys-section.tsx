import { useState } from 'react';

import type { ApiKeySummary } from '../../../main/contract/api-keys.js';
import { useAction, useBrokerApi, useLoad } from '../api-context.js';
import { ErrorBanner } from '../components/feedback.js';

const when = (iso: string | undefined, none: string) => (iso ? new Date(iso).toLocaleString() : none);

/** One key: what it may use, when it expires and was last used; revoke after a confirmation. */
function ApiKeyCard({
  apiKey,
  onRevoke,
  busy,
}: {
  apiKey: ApiKeySummary;
  onRevoke: () => void;
  busy: boolean;
}) {
  const [confirming, setConfirming] = useState(false);
  return (
    <li className="card">
      <div className="card-head">
        <h3>{apiKey.name}</h3>
        {apiKey.expired ? <span className="badge badge-bad">expired</span> : null}
      </div>
      <p>
        <code>{apiKey.clientId}</code>
      </p>
      <p>
        {apiKey.servers.map((s) => (
          <span key={s} className="chip">
            {s}
          </span>
        ))}
      </p>
      <dl className="muted">
        <dt>Created</dt>
        <dd>{when(apiKey.createdAt, '')}</dd>
        <dt>Expires</dt>
        <dd>{when(apiKey.expiresAt, 'never')}</dd>
        <dt>Last used</dt>
        <dd>{when(apiKey.lastUsedAt, 'never')}</dd>
      </dl>
      {confirming ? (
        <div className="row" role="group" aria-label={`Revoke API key ${apiKey.name}?`}>
          <span>Programs using this key are refused from their next request.</span>
          <button type="button" className="danger" disabled={busy} onClick={onRevoke}>
            Yes, revoke {apiKey.name}
          </button>
          <button type="button" className="ghost" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" className="danger" disabled={busy} onClick={() => setConfirming(true)}>
          Revoke key
        </button>
      )}
    </li>
  );
}

/**
 * API keys of local scripts and agents (issue 13.7): listed with their servers, expiry and last use
 * (never the value); revoked here after a confirmation, created with `mcp-auth-broker keys create`.
 */
export function ApiKeysSection() {
  const api = useBrokerApi();
  const loaded = useLoad((a) => a.listApiKeys({}));
  const action = useAction();
  const keys = loaded.data?.keys ?? [];
  return (
    <section aria-label="API keys">
      <h2>API keys</h2>
      <p className="muted">
        For scripts and agents that cannot sign in through a browser. Create one with{' '}
        <code>mcp-auth-broker keys create NAME --servers a,b</code>; it is shown once.
      </p>
      <ErrorBanner error={loaded.error ?? action.error} onDismiss={action.clear} />
      {loaded.data && !loaded.data.available ? <p>{loaded.data.message}</p> : null}
      {loaded.data?.available && keys.length === 0 ? <p className="muted">No API keys.</p> : null}
      <ul className="cards" aria-label="API keys list">
        {keys.map((k) => (
          <ApiKeyCard
            key={k.name}
            apiKey={k}
            busy={action.busy}
            onRevoke={() => void action.run(() => api.revokeApiKey({ name: k.name }).then(loaded.reload))}
          />
        ))}
      </ul>
    </section>
  );
}
