import { useState } from 'react';

import type { ConnectTarget } from '../../../main/contract/window-api.js';
import { useAction, useBrokerApi, useLoad } from '../api-context.js';
import { Badge, CopyButton, ErrorBanner } from '../components/feedback.js';

/** Connect: snippets for Claude Desktop and Cursor, and one-click install into their config files. */
export function ConnectScreen() {
  const api = useBrokerApi();
  const loaded = useLoad((a) => a.getConnectInfo({}));
  const action = useAction();
  const [done, setDone] = useState<{ target: ConnectTarget; path: string; backup?: string | undefined }>();
  return (
    <div className="screen">
      <header className="screen-head">
        <h2>Connect</h2>
        <p>One entry in each program’s config replaces all your servers; the broker does the rest.</p>
      </header>
      <ErrorBanner error={loaded.error ?? action.error} onDismiss={action.clear} />
      {done ? (
        <div className="banner banner-ok" role="status">
          <p>
            Installed into {done.path}
            {done.backup ? `; the previous file was saved as ${done.backup}` : ''}. Restart the program to
            pick it up.
          </p>
        </div>
      ) : null}
      <ul className="cards" aria-label="Programs">
        {loaded.data?.targets.map((t) => (
          <li key={t.id} className="card">
            <div className="card-head">
              <h3>{t.label}</h3>
              {t.installed ? <Badge tone="ok">installed</Badge> : <Badge tone="off">not installed</Badge>}
            </div>
            <p className="muted">
              {t.path}
              {t.exists ? '' : ' (does not exist yet)'}
            </p>
            <pre className="snippet" aria-label={`${t.label} snippet`}>
              {t.snippet}
            </pre>
            <div className="row">
              <CopyButton text={t.snippet} />
              <button
                type="button"
                className="primary"
                disabled={action.busy}
                onClick={() =>
                  void action.run(async () => {
                    const result = await api.installConnect({ target: t.id });
                    setDone({ target: t.id, ...result });
                    loaded.reload();
                  })
                }
              >
                Install into {t.label}
              </button>
            </div>
            <p className="muted">Installing keeps a backup and changes only the “broker” entry.</p>
          </li>
        ))}
      </ul>
    </div>
  );
}
