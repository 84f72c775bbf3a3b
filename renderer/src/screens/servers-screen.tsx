import { useCallback, useEffect, useState } from 'react';

import type { ServerInfo, Status } from '../../../main/contract/status.js';
import type { BrokerEvent } from '../../../main/contract/window-api.js';
import { useAction, useBrokerApi, useBrokerEvents, useLoad } from '../api-context.js';
import { Badge, EmptyState, ErrorBanner } from '../components/feedback.js';
import { ImportPanel } from './import-panel.js';

const TONE = {
  running: 'ok',
  starting: 'warn',
  crashed: 'bad',
  failed: 'bad',
  disabled: 'off',
  stopped: 'off',
} as const;

/** Servers: state, tools, last error with stderr tail, restart, enable/disable, add by pasting JSON. */
export function ServersScreen() {
  const loaded = useLoad((api) => api.getStatus({}));
  const paths = useLoad((api) => api.getConnectInfo({}));
  const [live, setLive] = useState<Status | undefined>();
  const onEvent = useCallback((event: BrokerEvent) => {
    if (event.type === 'status') setLive(event.status);
  }, []);
  useBrokerEvents(onEvent);
  const status = live ?? loaded.data;
  const reload = () => {
    setLive(undefined);
    loaded.reload();
  };
  return (
    <div className="screen">
      <header className="screen-head">
        <h2>Servers</h2>
        <p>The MCP servers the broker runs, with their credentials from the keychain.</p>
      </header>
      <ErrorBanner error={loaded.error} />
      {status && status.servers.length === 0 ? (
        <EmptyState title="No servers yet">
          <p>
            Paste a server entry from your Claude Desktop config below, or import the whole file: tokens in it
            move into the keychain.
          </p>
        </EmptyState>
      ) : null}
      <ul className="cards" aria-label="Servers">
        {status?.servers.map((s) => (
          <ServerCard key={s.name} server={s} onChanged={reload} />
        ))}
      </ul>
      <ImportPanel onImported={reload} suggestions={paths.data?.targets.map((t) => t.path) ?? []} />
    </div>
  );
}

function ServerCard({ server, onChanged }: { server: ServerInfo; onChanged: () => void }) {
  const api = useBrokerApi();
  const action = useAction();
  const headingId = `server-${server.name}`;
  return (
    <li className="card" aria-labelledby={headingId}>
      <div className="card-head">
        <h3 id={headingId}>{server.name}</h3>
        <Badge tone={TONE[server.state]}>{server.state}</Badge>
        <span className="muted">
          {server.toolCount} tool{server.toolCount === 1 ? '' : 's'}
          {server.restarts > 0 ? ` · ${String(server.restarts)} restarts` : ''}
          {server.pid !== undefined ? ` · pid ${String(server.pid)}` : ''}
        </span>
      </div>
      {server.command ? <code className="command">{server.command}</code> : null}
      {server.env && server.env.length > 0 ? (
        <p className="env">
          {server.env.map((e) => (
            <span
              key={e.name}
              className="chip"
              title={e.secret ? `from keychain secret ${e.secret}` : 'literal value'}
            >
              {e.name}
              {e.secret ? ` ← secret ${e.secret}` : ''}
            </span>
          ))}
        </p>
      ) : null}
      {server.lastError ? (
        <div className="banner banner-error" role="alert">
          <p>{server.lastError}</p>
          {server.stderrTail.length > 0 ? (
            <details>
              <summary>Last stderr lines</summary>
              <pre>{server.stderrTail.join('\n')}</pre>
            </details>
          ) : null}
        </div>
      ) : null}
      <ServerLog name={server.name} />
      {server.tools.length > 0 ? (
        <details>
          <summary>Tools</summary>
          <ul className="tools">
            {server.tools.map((t) => (
              <li key={t}>
                <code>{t}</code>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <div className="row">
        <button
          type="button"
          disabled={!server.enabled || action.busy}
          onClick={() => void action.run(() => api.restartServer({ name: server.name }).then(onChanged))}
        >
          Restart
        </button>
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            void action.run(() =>
              api.setServerEnabled({ name: server.name, enabled: !server.enabled }).then(onChanged),
            )
          }
        >
          {server.enabled ? 'Disable' : 'Enable'}
        </button>
      </div>
      <ErrorBanner error={action.error} onDismiss={action.clear} />
    </li>
  );
}

/** The server's stderr log (redacted, from disk), refreshed every 2 s while it is open (15.3). */
function ServerLog({ name }: { name: string }) {
  const [open, setOpen] = useState(false);
  const log = useLoad(
    (api) => (open ? api.getServerLog({ name, lines: 200 }) : Promise.resolve(undefined)),
    [open],
  );
  const { reload } = log;
  useEffect(() => {
    if (!open) return undefined;
    const timer = setInterval(reload, 2000);
    return () => clearInterval(timer);
  }, [open, reload]);
  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Log</summary>
      {log.data ? (
        <pre className="log" aria-label={`${name} log`}>
          {log.data.lines.length ? log.data.lines.join('\n') : '(nothing written yet)'}
        </pre>
      ) : null}
      <ErrorBanner error={log.error} />
    </details>
  );
}
