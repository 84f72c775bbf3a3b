/**
 * The audit record: what happened, typed. One event per JSONL line. Events never carry secret
 * values, tool arguments, or token values — only names, outcomes and codes.
 */
export type AuditEventType =
  | 'broker.start'
  | 'broker.stop'
  | 'audit.recovered'
  | 'server.start'
  | 'server.exit'
  | 'server.crash'
  | 'server.start_failed'
  | 'server.credential'
  | 'client.connect'
  | 'client.disconnect'
  | 'tool.call'
  | 'tool.denied'
  | 'http.denied'
  /** The MCP endpoint (`/mcp`, `/ws`) refused a request: 400/401/403/404 with the reason, never the token. */
  | 'mcp.denied'
  /** Provider sign-in (issue 3): account ids and token *names* only (`provider:github:work`). */
  | 'provider.signin'
  | 'provider.signin_failed'
  | 'provider.signout'
  | 'token.refresh'
  | 'token.refresh_failed'
  | 'secret.set'
  | 'secret.delete'
  | 'client.registered'
  | 'consent.granted'
  | 'consent.denied'
  | 'token.issued'
  | 'token.refreshed'
  | 'token.revoked'
  | 'token.denied'
  | 'authorization.denied'
  /** Remote MCP servers (issue 5): sign-in, refresh, step-up, re-registration, auth failures. */
  | 'upstream.signin'
  | 'upstream.token_refresh'
  | 'upstream.step_up'
  | 'upstream.registered'
  | 'upstream.reregister'
  | 'upstream.auth_failed';

export type AuditOutcome = 'ok' | 'error' | 'denied';

/** What callers pass in; the log adds `seq`, `time`, `prev` and `hash`. */
export interface AuditEventInput {
  type: AuditEventType;
  outcome?: AuditOutcome;
  /** MCP client id or label (e.g. "shim:1234" or an OAuth client id later). */
  client?: string;
  server?: string;
  tool?: string;
  durationMs?: number;
  /** JSON-RPC or broker error code. */
  errorCode?: string | number;
  /** Short human text; scrubbed of known secret values before it is written. */
  message?: string;
  /** Secret or credential *names* only (e.g. which secret reached which server). */
  secretName?: string;
}

/** A line as stored. */
export interface AuditRecord extends AuditEventInput {
  seq: number;
  time: string;
  /** SHA-256 (hex) of the previous line's exact bytes; 64 zeros for the first line ever. */
  prev: string;
  /** SHA-256 (hex) of this record serialized without `hash`. */
  hash: string;
}

/** Where the core sends events. The file-backed AuditLog implements it. */
export interface AuditSink {
  record(event: AuditEventInput): void;
}
