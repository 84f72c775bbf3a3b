import { useCallback, useState } from 'react';

import type { AuditQuery, AuditRecordView, AuditVerify } from '../../../main/contract/audit.js';
import { matchesAudit } from '../../../main/contract/audit.js';
import type { BrokerEvent } from '../../../main/contract/window-api.js';
import { useAction, useBrokerApi, useBrokerEvents, useLoad } from '../api-context.js';
import { Badge, EmptyState, ErrorBanner } from '../components/feedback.js';
import { ToolCallChart } from './tool-call-chart.js';

const TYPES = [
  'tool',
  'server',
  'client',
  'secret',
  'provider',
  'token',
  'consent',
  'authorization',
  'upstream',
  'http',
  'mcp',
  'broker',
  'audit',
];
const SHOWN = 500;

type Filter = Omit<AuditQuery, 'limit'>;

function clean(filter: Filter): Filter {
  const out: Filter = {};
  for (const [key, value] of Object.entries(filter) as [keyof Filter, string | undefined][]) {
    if (value !== undefined && value !== '') (out as Record<string, string>)[key] = value;
  }
  if (out.since) out.since = new Date(out.since).toISOString();
  if (out.until) out.until = new Date(out.until).toISOString();
  return out;
}

/** Audit: the live stream with filters, search, JSONL export, chain verification and a chart. */
export function AuditScreen() {
  const api = useBrokerApi();
  const [filter, setFilter] = useState<Filter>({});
  const query = clean(filter);
  const key = JSON.stringify(query);
  const loaded = useLoad((a) => a.queryAudit({ ...query, limit: SHOWN }), [key]);
  const [arrived, setArrived] = useState<{ key: string; records: AuditRecordView[] }>({ key, records: [] });
  const onEvent = useCallback(
    (event: BrokerEvent) => {
      if (event.type !== 'audit' || !matchesAudit(event.record, JSON.parse(key) as Filter)) return;
      setArrived((prev) => ({ key, records: [...(prev.key === key ? prev.records : []), event.record] }));
    },
    [key],
  );
  useBrokerEvents(onEvent);
  const seen = new Set(loaded.data?.records.map((r) => r.seq));
  const fresh = arrived.key === key ? arrived.records.filter((r) => !seen.has(r.seq)) : [];
  const records = [...(loaded.data?.records ?? []), ...fresh].slice(-SHOWN);
  const [verify, setVerify] = useState<AuditVerify | undefined>();
  const action = useAction();
  const set = (field: keyof Filter) => (e: { target: { value: string } }) =>
    setFilter((f) => ({ ...f, [field]: e.target.value }));

  return (
    <div className="screen">
      <header className="screen-head">
        <h2>Audit</h2>
        <p>
          Everything the broker did: tool calls, server starts and crashes, secret changes. Never values or
          arguments.
        </p>
      </header>
      <form className="filters" aria-label="Filter audit events" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input
            type="search"
            value={filter.text ?? ''}
            onChange={set('text')}
            placeholder="tool, server, message…"
          />
        </label>
        <label>
          Type
          <select value={filter.type ?? ''} onChange={set('type')}>
            <option value="">all</option>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Outcome
          <select value={filter.outcome ?? ''} onChange={set('outcome')}>
            <option value="">all</option>
            <option value="ok">ok</option>
            <option value="error">error</option>
            <option value="denied">denied</option>
          </select>
        </label>
        <label>
          Server
          <input type="text" value={filter.server ?? ''} onChange={set('server')} />
        </label>
        <label>
          Client
          <input type="text" value={filter.client ?? ''} onChange={set('client')} />
        </label>
        <label>
          From
          <input type="datetime-local" value={filter.since ?? ''} onChange={set('since')} />
        </label>
        <label>
          To
          <input type="datetime-local" value={filter.until ?? ''} onChange={set('until')} />
        </label>
      </form>
      <div className="row">
        <button
          type="button"
          disabled={action.busy}
          onClick={() => void action.run(async () => setVerify(await api.verifyAudit({})))}
        >
          Verify chain
        </button>
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            void action.run(async () => {
              const { jsonl } = await api.exportAudit({ ...query, limit: 5000 });
              download(`audit-${new Date().toISOString().slice(0, 19)}.jsonl`, jsonl);
            })
          }
        >
          Export JSONL
        </button>
        <span className="muted" aria-live="polite">
          {records.length} event{records.length === 1 ? '' : 's'}
          {loaded.data && loaded.data.matched > SHOWN
            ? ` (newest ${String(SHOWN)} of ${String(loaded.data.matched)})`
            : ''}
        </span>
      </div>
      {verify ? <VerifyResult result={verify} /> : null}
      <ErrorBanner error={action.error ?? loaded.error} />
      <ToolCallChart records={records} />
      {records.length === 0 && !loaded.loading ? (
        <EmptyState title="No events match">
          <p>
            Clear the filters, or use a server from Claude Desktop: its tool calls show up here as they
            happen.
          </p>
        </EmptyState>
      ) : (
        <AuditTable records={records} />
      )}
    </div>
  );
}

/** Newest first: time, type, outcome, who, what, and the details (never values or arguments). */
function AuditTable({ records }: { records: AuditRecordView[] }) {
  return (
    <table className="audit" aria-label="Audit events">
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Type</th>
          <th scope="col">Outcome</th>
          <th scope="col">Client</th>
          <th scope="col">Server</th>
          <th scope="col">Tool</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {[...records].reverse().map((r) => (
          <tr key={r.seq}>
            <td>
              <time dateTime={r.time}>{new Date(r.time).toLocaleString()}</time>
            </td>
            <td>{r.type}</td>
            <td>{r.outcome ? <Badge tone={r.outcome === 'ok' ? 'ok' : 'bad'}>{r.outcome}</Badge> : null}</td>
            <td>{r.client}</td>
            <td>{r.server}</td>
            <td>{r.tool}</td>
            <td>
              {[
                r.durationMs !== undefined ? `${String(r.durationMs)} ms` : undefined,
                r.errorCode !== undefined ? `error ${String(r.errorCode)}` : undefined,
                r.secretName ? `secret ${r.secretName}` : undefined,
                r.message,
              ]
                .filter(Boolean)
                .join(' · ')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function VerifyResult({ result }: { result: AuditVerify }) {
  return result.ok ? (
    <div className="banner banner-ok" role="status">
      <p>
        Chain intact: {result.records} records in {result.files.length} file
        {result.files.length === 1 ? '' : 's'}.
      </p>
    </div>
  ) : (
    <div className="banner banner-error" role="alert">
      <p>
        Chain broken at {result.file} line {result.line}: {result.reason}
      </p>
    </div>
  );
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text + '\n'], { type: 'application/x-ndjson' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
