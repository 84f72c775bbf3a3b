import type { z } from 'zod';

import type { AUDIT_EVENT_TYPES, AuditOutcomeSchema } from '../../contract/audit.js';

/*
 * The audit record: what happened, typed. One event per JSONL line. Events never carry secret
 * values, tool arguments, or token values — only names, outcomes and codes.
 */

/**
 * Every kind of event (the list lives in main/contract/audit.ts): broker (`broker.error`: a handler or
 * the process caught a fault and kept serving), server and client
 * lifecycle; tool calls and denials (`tool.denied`, `http.denied` for Host/Origin, `mcp.denied` for
 * the MCP endpoint's 400/401/403/404); secrets; provider sign-in and token refresh (account and token
 * *names* only, e.g. `provider:github:work`); the broker's authorization server (clients, consent,
 * tokens); remote upstreams (sign-in, refresh, step-up, re-registration, auth failures).
 */
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export type AuditOutcome = z.infer<typeof AuditOutcomeSchema>;

/** What callers pass in; the log adds `seq`, `time`, `prev` and `hash`. */
export interface AuditEventInput {
  type: AuditEventType;
  outcome?: AuditOutcome;
  /** MCP client id or label (e.g. "shim:1234" or an OAuth client id later). */
  client?: string;
  /**
   * Who the client is, chosen by the broker and never by the client: the OAuth client id for
   * `/mcp` and `/ws`, the connection label (`socket-N`) for the local socket. Its own field so no
   * display name can push it out of a record.
   */
  clientId?: string;
  server?: string;
  tool?: string;
  durationMs?: number;
  /** JSON-RPC or broker error code. */
  errorCode?: string | number;
  /** Short human text; scrubbed of known secret values before it is written. */
  message?: string;
  /** Secret or credential *names* only (e.g. which secret reached which server). */
  secretName?: string;
  /** On a summary of repeated refusals: how many it stands for (see server/refusal-audit.ts). */
  count?: number;
}

/** A line as stored. */
export interface AuditRecord extends AuditEventInput {
  seq: number;
  time: string;
  /** SHA-256 (hex) of the previous line's exact bytes; 64 zeros for the first line ever. */
  prev: string;
  /** SHA-256 (hex) of this record serialized without `hash`. */
  hash: string;
  /** HMAC-SHA256 (hex) of `hash` under the chain key in the keychain (absent on legacy lines). */
  mac?: string;
}

/** Where the core sends events. The file-backed AuditLog implements it. */
export interface AuditSink {
  record(event: AuditEventInput): void;
}
