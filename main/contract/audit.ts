import { z } from 'zod';

/**
 * The audit record's shape, shared by the log (writer and verifier), the window's API and its live
 * events; the audit filter and its matcher; the log's health as `status` reports it. Add new event
 * types here.
 */
export const AUDIT_EVENT_TYPES = [
  'broker.start',
  'broker.stop',
  'broker.error',
  'audit.recovered',
  'audit.gap',
  'audit.tampered',
  'server.start',
  'server.exit',
  'server.crash',
  'server.start_failed',
  'server.gave_up',
  'server.added',
  'server.removed',
  'server.credential',
  'client.connect',
  'client.disconnect',
  'client.backpressure',
  'tool.call',
  'tool.denied',
  'http.denied',
  'mcp.denied',
  'provider.signin',
  'provider.signin_failed',
  'provider.signout',
  'token.refresh',
  'token.refresh_failed',
  'secret.set',
  'secret.delete',
  'client.registered',
  'consent.granted',
  'consent.denied',
  'token.issued',
  'token.refreshed',
  'token.revoked',
  'token.denied',
  'authorization.denied',
  'apikey.created',
  'apikey.revoked',
  'upstream.signin',
  'upstream.token_refresh',
  'upstream.step_up',
  'upstream.registered',
  'upstream.reregister',
  'upstream.auth_failed',
] as const;

export const AuditOutcomeSchema = z.enum(['ok', 'error', 'denied']);

const HEX64 = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits');

/** One audit line as stored (the verifier parses every line with it). */
export const AuditRecordSchema = z.strictObject({
  seq: z.number().int().positive(),
  time: z.iso.datetime(),
  type: z.enum(AUDIT_EVENT_TYPES),
  outcome: AuditOutcomeSchema.optional(),
  client: z.string().optional(),
  clientId: z.string().optional(),
  server: z.string().optional(),
  tool: z.string().optional(),
  durationMs: z.number().optional(),
  errorCode: z.union([z.string(), z.number()]).optional(),
  message: z.string().optional(),
  secretName: z.string().optional(),
  count: z.number().int().positive().optional(),
  prev: HEX64,
  hash: HEX64,
  mac: HEX64.optional(),
});

/** Audit filter: every field narrows; `text` searches type, client, server, tool, message. */
export const AuditQuerySchema = z
  .object({
    limit: z.number().int().min(1).max(5000).default(500),
    type: z.string().max(64).optional(),
    client: z.string().max(256).optional(),
    server: z.string().max(64).optional(),
    outcome: AuditOutcomeSchema.optional(),
    /** ISO times, inclusive. */
    since: z.string().max(40).optional(),
    until: z.string().max(40).optional(),
    text: z.string().max(200).optional(),
  })
  .strict();

export const AuditPageSchema = z.object({
  records: z.array(AuditRecordSchema),
  /** How many records matched before `limit` cut the list (newest are kept). */
  matched: z.number(),
});

export const AuditVerifySchema = z.object({
  ok: z.boolean(),
  records: z.number(),
  files: z.array(z.string()),
  file: z.string().optional(),
  line: z.number().optional(),
  seq: z.number().optional(),
  reason: z.string().optional(),
});

/** Whether the audit log can be written (false on a full or read-only disk; records are lost). */
export const AuditHealthSchema = z.object({
  writable: z.boolean(),
  /** The last write error, e.g. "ENOSPC: no space left on device, write". */
  error: z.string().optional(),
  /** When writes started failing (ISO time). */
  since: z.string().optional(),
  /** Records lost since then. */
  lost: z.number().optional(),
});

export type AuditRecordView = z.infer<typeof AuditRecordSchema>;
export type AuditQuery = z.input<typeof AuditQuerySchema>;
/** A parsed audit filter (defaults applied). */
export type AuditFilter = z.output<typeof AuditQuerySchema>;
export type AuditVerify = z.infer<typeof AuditVerifySchema>;
export type AuditHealth = z.infer<typeof AuditHealthSchema>;

function timeOf(iso: string | undefined): number | undefined {
  if (iso === undefined || iso === '') return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * True when `record` passes every field of `filter` that is set. The broker filters the log with it,
 * and the window filters live events arriving while a filter is set.
 */
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
