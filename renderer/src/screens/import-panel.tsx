import { useId, useState } from 'react';

import type { ImportPlan, ImportResult, ImportSource } from '../../../main/contract/window-api.js';
import { useAction, useBrokerApi } from '../api-context.js';
import { ErrorBanner } from '../components/feedback.js';

const EXAMPLE = `"github": {
  "command": "npx",
  "args": ["-y", "@modelcontextprotocol/server-github"],
  "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_…" }
}`;

/** Where the servers come from: pasted JSON or a config file on this machine. */
type Mode = 'paste' | 'file';

/**
 * Adding servers from what people already have: a pasted Claude Desktop entry (or whole
 * `mcpServers` block) or a Claude Desktop / Cursor config file. Shows what will happen first —
 * which env values move into the keychain — then imports and says which ones moved.
 */
export function ImportPanel({ onImported, suggestions }: { onImported: () => void; suggestions: string[] }) {
  const api = useBrokerApi();
  const id = useId();
  const [mode, setMode] = useState<Mode>('paste');
  const [text, setText] = useState('');
  const [path, setPath] = useState(suggestions[0] ?? '');
  const [plan, setPlan] = useState<ImportPlan | undefined>();
  const [result, setResult] = useState<ImportResult | undefined>();
  const action = useAction();
  const source: ImportSource = mode === 'paste' ? { text } : { path };
  const ready = mode === 'paste' ? text.trim() !== '' : path.trim() !== '';
  const importable = plan?.servers.filter((s) => s.problem === undefined) ?? [];

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Add servers</h3>
      <div className="segmented" role="radiogroup" aria-label="Source">
        {(['paste', 'file'] as const).map((m) => (
          <label key={m}>
            <input
              type="radio"
              name={`${id}-mode`}
              checked={mode === m}
              onChange={() => {
                setMode(m);
                setPlan(undefined);
                setResult(undefined);
              }}
            />
            {m === 'paste' ? 'Paste JSON' : 'Import a config file'}
          </label>
        ))}
      </div>
      {mode === 'paste' ? (
        <label className="field">
          Claude Desktop server entry (JSON)
          <textarea
            rows={7}
            value={text}
            placeholder={EXAMPLE}
            spellCheck={false}
            onChange={(e) => {
              setText(e.target.value);
              setPlan(undefined);
            }}
          />
        </label>
      ) : (
        <label className="field">
          Path of claude_desktop_config.json or ~/.cursor/mcp.json
          <input
            type="text"
            value={path}
            list={`${id}-paths`}
            spellCheck={false}
            onChange={(e) => {
              setPath(e.target.value);
              setPlan(undefined);
            }}
          />
          <datalist id={`${id}-paths`}>
            {suggestions.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        </label>
      )}
      <div className="row">
        <button
          type="button"
          disabled={!ready || action.busy}
          onClick={() =>
            void action.run(async () => {
              setResult(undefined);
              setPlan(await api.planImport(source));
            })
          }
        >
          Preview
        </button>
        <button
          type="button"
          className="primary"
          disabled={importable.length === 0 || action.busy}
          onClick={() =>
            void action.run(async () => {
              const done = await api.runImport({ source, servers: importable.map((s) => s.name) });
              setResult(done);
              setPlan(undefined);
              if (mode === 'paste') setText('');
              onImported();
            })
          }
        >
          {importable.length > 1 ? `Add ${String(importable.length)} servers` : 'Add server'}
        </button>
      </div>
      <ErrorBanner error={action.error} onDismiss={action.clear} />
      {plan ? <PlanView plan={plan} /> : null}
      {result ? <ResultView result={result} /> : null}
    </section>
  );
}

function PlanView({ plan }: { plan: ImportPlan }) {
  if (plan.servers.length === 0) return <p>No servers found in this JSON.</p>;
  return (
    <ul className="plan" aria-label="Servers found">
      {plan.servers.map((s) => (
        <li key={s.name}>
          <strong>{s.name}</strong> <code>{s.command}</code>
          {s.problem ? <p className="bad">Will be skipped: {s.problem}.</p> : null}
          {s.secrets.length > 0 ? (
            <p>
              Moves into the keychain:{' '}
              {s.secrets.map((x) =>
                x.note === undefined ? (
                  <code key={x.variable}>{x.variable}</code>
                ) : (
                  <span key={x.variable}>
                    <code>{x.variable}</code> as <code>{x.secret}</code> ({x.note})
                  </span>
                ),
              )}
            </p>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function ResultView({ result }: { result: ImportResult }) {
  return (
    <div className="banner banner-ok" role="status">
      <p>{result.imported.length > 0 ? `Added ${result.imported.join(', ')}.` : 'Nothing was added.'}</p>
      {result.moved.length > 0 ? (
        <ul aria-label="Moved into the keychain">
          {result.moved.map((m) => (
            <li key={`${m.server}/${m.variable}`}>
              {m.server}: <code>{m.variable}</code> moved into the keychain as <code>{m.secret}</code>
              {m.note === undefined ? null : ` (${m.note})`}
            </li>
          ))}
        </ul>
      ) : null}
      {result.skipped.map((s) => (
        <p key={s.name}>
          Skipped {s.name}: {s.reason}.
        </p>
      ))}
      {result.moved.length > 0 ? (
        <p>
          The original file still holds the plaintext values: remove them there once the broker runs these
          servers.
        </p>
      ) : null}
    </div>
  );
}
