import type { AuditRecordView } from './broker-api.js';

/**
 * The audit filter of the UI contract, shared by the broker (queries over the log) and the window
 * (live events arriving while a filter is set). Browser-safe.
 */

/** A parsed audit filter (see `AuditQuerySchema`). */
export interface AuditFilter {
  limit: number;
  type?: string | undefined;
  client?: string | undefined;
  server?: string | undefined;
  outcome?: 'ok' | 'error' | 'denied' | undefined;
  since?: string | undefined;
  until?: string | undefined;
  text?: string | undefined;
}

function timeOf(iso: string | undefined): number | undefined {
  if (iso === undefined || iso === '') return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/** True when `record` passes every field of `filter` that is set. */
export function matchesAudit(record: AuditRecordView, filter: Omit<AuditFilter, 'limit'>): boolean {
  if (filter.type && record.type !== filter.type && !record.type.startsWith(`${filter.type}.`)) return false;
  if (filter.client && record.client !== filter.client) return false;
  if (filter.server && record.server !== filter.server) return false;
  if (filter.outcome && record.outcome !== filter.outcome) return false;
  const time = Date.parse(record.time);
  const since = timeOf(filter.since);
  const until = timeOf(filter.until);
  if (since !== undefined && time < since) return false;
  if (until !== undefined && time > until) return false;
  if (filter.text) {
    const needle = filter.text.toLowerCase();
    const hay = [record.type, record.client, record.server, record.tool, record.message, record.secretName]
      .filter((v) => v !== undefined)
      .join(' ')
      .toLowerCase();
    if (!hay.includes(needle)) return false;
  }
  return true;
}
