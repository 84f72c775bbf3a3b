import { useAction, useBrokerApi, useLoad } from '../api-context.js';
import { EmptyState, ErrorBanner } from '../components/feedback.js';
import { PendingConsentBanner } from '../components/pending-consent-banner.js';
import { ApiKeysSection } from './api-keys-section.js';

/**
 * Clients: MCP clients approved by the broker's authorization server, their grants, revoke; and the
 * API keys of local non-interactive clients.
 */
export function ClientsScreen() {
  const api = useBrokerApi();
  const loaded = useLoad((a) => a.listClients({}));
  const action = useAction();
  const data = loaded.data;
  return (
    <div className="screen">
      <header className="screen-head">
        <h2>Clients</h2>
        <p>Programs you allowed to use the broker over HTTP, and which servers each may use.</p>
      </header>
      <ErrorBanner error={loaded.error ?? action.error} onDismiss={action.clear} />
      <PendingConsentBanner onSettled={loaded.reload} />
      {data && (!data.available || data.clients.length === 0) ? (
        <EmptyState title="No approved clients">
          <p>
            {data.message ??
              'When Cursor or Claude Code connects over HTTP you approve it once; it then shows up here.'}
          </p>
        </EmptyState>
      ) : null}
      <ul className="cards" aria-label="Clients">
        {data?.clients.map((c) => (
          <li key={c.clientId} className="card">
            <div className="card-head">
              <h3>{c.name}</h3>
              <span className="muted">
                {c.approvedAt ? `approved ${new Date(c.approvedAt).toLocaleString()}` : ''}
              </span>
            </div>
            <p>
              <code>{c.clientId}</code>
            </p>
            <p>
              {c.grants.map((g) => (
                <span key={g} className="chip">
                  {g}
                </span>
              ))}
            </p>
            <button
              type="button"
              className="danger"
              disabled={action.busy}
              onClick={() =>
                void action.run(() => api.revokeClient({ clientId: c.clientId }).then(loaded.reload))
              }
            >
              Revoke access
            </button>
          </li>
        ))}
      </ul>
      <ApiKeysSection />
    </div>
  );
}
