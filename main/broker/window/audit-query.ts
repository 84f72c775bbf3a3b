import { type AuditFilter, matchesAudit } from '../../contract/audit.js';
import type { AuditRecord } from '../audit/audit-event.js';
import { readAuditTail } from '../audit/audit-read.js';

/** The most records a query looks at (newest first); older ones are reached with `audit tail`. */
const SCAN_LIMIT = 20_000;

/** The newest `filter.limit` matching records (oldest first) and how many matched in all. */
export function queryAudit(dir: string, filter: AuditFilter): { records: AuditRecord[]; matched: number } {
  const all = readAuditTail(dir, SCAN_LIMIT).filter((r) => matchesAudit(r, filter));
  return { records: all.slice(Math.max(0, all.length - filter.limit)), matched: all.length };
}

/** Matching records as JSONL, one record per line with its `prev` and `hash`. */
export function exportAudit(dir: string, filter: AuditFilter): string {
  return queryAudit(dir, filter)
    .records.map((r) => JSON.stringify(r))
    .join('\n');
}
