import { useState } from 'react';

import type { ApiOutput } from '../../../main/contract/window-api.js';
import { useAction, useBrokerApi, useLoad } from '../api-context.js';
import { Badge, CopyButton, ErrorBanner } from '../components/feedback.js';

type Target = ApiOutput<'getConnectInfo'>['targets'][number];

/**
 * Connect: one entry per MCP client — installed into its config file (replacing the entries that now
 * live in the broker, with a backup), restored from that backup, or copied by hand.
 */
export function ConnectScreen() {
  const loaded = useLoad((a) => a.getConnectInfo({}));
  const action = useAction();
  const [done, setDone] = useState<string>();
  return (
    <div className="screen">
      <header className="screen-head">
        <h2>Connect</h2>
        <p>One entry in each program’s config replaces all your servers; the broker does the rest.</p>
      </header>
      <ErrorBanner error={loaded.error ?? action.error} onDismiss={action.clear} />
      {done ? (
        <div className="banner banner-ok" role="status">
          <p>{done}</p>
        </div>
      ) : null}
      {loaded.data ? (
        <section className="card" aria-label="Any other client">
          <h3>Any other MCP client</h3>
          <p className="muted">Point it at this URL; it signs in with OAuth and asks you to approve it.</p>
          <div className="row">
            <code className="wrap">{loaded.data.mcpUrl}</code>
            <CopyButton text={loaded.data.mcpUrl} />
          </div>
        </section>
      ) : null}
      <ul className="cards" aria-label="Programs">
        {loaded.data?.targets.map((t) => (
          <TargetCard key={t.id} target={t} action={action} onDone={setDone} reload={loaded.reload} />
        ))}
      </ul>
    </div>
  );
}

function TargetCard(props: {
  target: Target;
  action: ReturnType<typeof useAction>;
  onDone: (message: string) => void;
  reload: () => void;
}) {
  const { target: t, action } = props;
  const api = useBrokerApi();
  const [removeImported, setRemoveImported] = useState(true);
  const install = () =>
    void action.run(async () => {
      const r = await api.installConnect({ target: t.id, removeImported });
      const removed = r.removed.length
        ? ` and removed ${r.removed.join(', ')} (they run in the broker now)`
        : '';
      props.onDone(
        `Installed into ${r.path}${removed}. The previous file is kept in a sealed backup; “Restore” puts it back. Restart ${t.label} to pick it up.`,
      );
      props.reload();
    });
  const restore = () => {
    if (!window.confirm(`Put ${t.path} back as it was before the broker was installed?`)) return;
    void action.run(async () => {
      const r = await api.uninstallConnect({ target: t.id });
      props.onDone(
        r.restored === 'exact'
          ? `Restored ${r.path} exactly as it was.`
          : r.restored === 'merged'
            ? `${t.label} changed ${r.path} since the install, so its changes were kept: the broker entry was removed${r.returned.length ? ` and ${r.returned.join(', ')} put back` : ''}.`
            : `Removed the broker entry from ${r.path} (there was no backup).`,
      );
      props.reload();
    });
  };
  return (
    <li className="card">
      <div className="card-head">
        <h3>{t.label}</h3>
        {t.installed ? <Badge tone="ok">installed</Badge> : <Badge tone="off">not installed</Badge>}
      </div>
      <p className="muted wrap">
        {t.path}
        {t.exists ? '' : ' (does not exist yet)'} · {t.via === 'http' ? 'URL with OAuth' : 'stdio shim'}
      </p>
      {t.problem ? <p className="banner banner-bad">{t.problem}</p> : null}
      <pre className="snippet" aria-label={`${t.label} snippet`}>
        {t.snippet}
      </pre>
      {t.moved.length ? (
        <label className="row">
          <input
            type="checkbox"
            checked={removeImported}
            onChange={(e) => setRemoveImported(e.target.checked)}
          />
          Remove {t.moved.join(', ')} from this file (imported into the broker)
        </label>
      ) : null}
      <div className="row">
        <CopyButton text={t.snippet} />
        <button
          type="button"
          className="primary"
          disabled={action.busy || t.problem !== undefined}
          onClick={install}
        >
          Install into {t.label}
        </button>
        {t.installed ? (
          <button type="button" disabled={action.busy} onClick={restore}>
            Restore {t.label}
          </button>
        ) : null}
      </div>
    </li>
  );
}
