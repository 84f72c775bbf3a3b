import { createHash } from 'node:crypto';

import { AuditRecordSchema } from '../../contract/audit.js';
import type { AuditRecord } from './audit-event.js';

/**
 * The hash chain of the audit log, shared by the writer and the verifier so both produce the same
 * bytes.
 *
 * - A record's `hash` is the SHA-256 (hex) of `JSON.stringify` of the record without `hash`, with
 *   its keys in this fixed order: `seq, time, type, outcome, client, clientId, server, tool, durationMs,
 *   errorCode, message, secretName, count, prev` (undefined fields left out).
 * - The stored line is the same serialization with `hash` appended, then `mac` (keyed logs:
 *   HMAC-SHA256 of `hash` under the keychain's chain key, see `audit-anchor.ts`).
 * - A record's `prev` is the SHA-256 (hex) of the previous line's exact UTF-8 bytes (without the
 *   newline), or {@link ZERO_HASH} for the first line ever. So editing any byte of a line breaks
 *   the next line's `prev`, and editing a field breaks the line's own `hash`.
 */

/** `prev` of the very first line of a log. */
export const ZERO_HASH = '0'.repeat(64);

/** A record as stored, minus its own `hash`. */
export type AuditRecordBody = Omit<AuditRecord, 'hash' | 'mac'>;

/** The optional event fields, in serialization order (between `type` and `prev`). */
const OPTIONAL_FIELDS = [
  'outcome',
  'client',
  'clientId',
  'server',
  'tool',
  'durationMs',
  'errorCode',
  'message',
  'secretName',
  'count',
] as const satisfies readonly (keyof AuditRecordBody)[];

/** SHA-256 of `data` as lowercase hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The record's fields in the fixed serialization order, undefined ones left out. */
function orderedFields(record: AuditRecordBody): Record<string, unknown> {
  const out: Record<string, unknown> = { seq: record.seq, time: record.time, type: record.type };
  for (const key of OPTIONAL_FIELDS) {
    const value = record[key];
    if (value !== undefined) out[key] = value;
  }
  out['prev'] = record.prev;
  return out;
}

/** The bytes a record's `hash` is computed over: the record without `hash`, keys in fixed order. */
export function serializeBody(record: AuditRecordBody): string {
  return JSON.stringify(orderedFields(record));
}

/** The SHA-256 (hex) a record's `hash` field must hold. */
export function computeRecordHash(record: AuditRecordBody): string {
  return sha256Hex(serializeBody(record));
}

/**
 * The stored line of a record body and its `hash`, serializing the body once: the line is the body's
 * JSON with `"hash"` (and `"mac"`, from `macOf(hash)`) appended, byte for byte what
 * {@link serializeRecord} writes for the same record.
 */
export function chainLine(
  body: AuditRecordBody,
  macOf?: (hash: string) => string,
): { line: string; hash: string } {
  const json = serializeBody(body);
  const hash = sha256Hex(json);
  const mac = macOf === undefined ? '' : `,"mac":${JSON.stringify(macOf(hash))}`;
  return { line: `${json.slice(0, -1)},"hash":${JSON.stringify(hash)}${mac}}`, hash };
}

/** The stored line for a record (no trailing newline): its body with `hash` added last. */
export function serializeRecord(record: AuditRecord): string {
  const mac = record.mac === undefined ? {} : { mac: record.mac };
  return JSON.stringify({ ...orderedFields(record), hash: record.hash, ...mac });
}

/** Outcome of parsing one stored line. */
export type ParsedLine = { ok: true; record: AuditRecord } | { ok: false; reason: string };

/** Parses one stored line (without its newline) into a record, or says why it is not one. */
export function parseAuditLine(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'is not valid JSON' };
  }
  const parsed = AuditRecordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')}: ${issue.message})` : '';
    return { ok: false, reason: `is not an audit record${where}` };
  }
  const { data } = parsed;
  // Rebuild without the `undefined` values zod's output type allows, so it is a plain AuditRecord.
  const record: AuditRecord = {
    seq: data.seq,
    time: data.time,
    type: data.type,
    prev: data.prev,
    hash: data.hash,
    ...(data.mac === undefined ? {} : { mac: data.mac }),
  };
  for (const key of OPTIONAL_FIELDS) {
    const value = data[key];
    if (value !== undefined) Object.assign(record, { [key]: value });
  }
  return { ok: true, record };
}
