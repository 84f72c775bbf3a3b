import type { ServerResponse } from 'node:http';

/**
 * Why the protected resource refused a request. `status` 401 and 403 carry a Bearer challenge
 * (RFC 6750 §3); other statuses get a JSON-RPC error body like the streamable HTTP transport's own.
 */
export interface ResourceDenial {
  /** 503: the broker cannot check tokens yet (its keys are in a locked keychain); retry later. */
  status: 400 | 401 | 403 | 404 | 405 | 413 | 503;
  /** RFC 6750 §3.1 error code; absent on a 401 for a request that carried no token (PRM-5). */
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  /** Fixed, human text. Never contains the token or any part of it. */
  description: string;
  /** Scopes to name in the challenge (all the scopes the request needs; never `offline_access`). */
  scopes?: readonly string[];
  /** JSON-RPC error code for non-OAuth denials. */
  rpcCode?: number;
  /** The client the token named, when one was verified (for the audit log). */
  clientId?: string;
}

/** Quotes a value for an auth-param (RFC 9110 §11.2 quoted-string). */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * The `WWW-Authenticate` value for a denial: `Bearer resource_metadata="…", scope="…"` plus
 * `error`/`error_description` when a token was sent (RFC 6750 §3, RFC 9728 §5.1).
 */
export function bearerChallenge(denial: ResourceDenial, resourceMetadataUrl: string): string {
  const params: string[] = [];
  if (denial.error !== undefined) {
    params.push(`error=${quoted(denial.error)}`, `error_description=${quoted(denial.description)}`);
  }
  const scopes = (denial.scopes ?? []).filter((s) => s !== 'offline_access');
  if (scopes.length > 0) params.push(`scope=${quoted(scopes.join(' '))}`);
  params.push(`resource_metadata=${quoted(resourceMetadataUrl)}`);
  return `Bearer ${params.join(', ')}`;
}

/** Writes the denial: a Bearer challenge for 401/403, a JSON-RPC error body otherwise. */
export function sendDenial(res: ServerResponse, denial: ResourceDenial, resourceMetadataUrl: string): void {
  const oauth = denial.status === 401 || denial.status === 403;
  const body = oauth
    ? { error: denial.error ?? 'invalid_request', error_description: denial.description }
    : {
        jsonrpc: '2.0',
        error: { code: denial.rpcCode ?? -32600, message: denial.description },
        id: null,
      };
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  };
  if (oauth) headers['www-authenticate'] = bearerChallenge(denial, resourceMetadataUrl);
  if (denial.status === 405) headers['allow'] = 'GET, POST, DELETE';
  if (denial.status === 503) headers['retry-after'] = '5';
  res.writeHead(denial.status, headers);
  res.end(text);
}

const REASONS: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
};

/** The same denial as a raw HTTP/1.1 response on an upgrade socket (WebSocket handshake refused). */
export function rawDenial(denial: ResourceDenial, resourceMetadataUrl: string): string {
  const reason = REASONS[denial.status] ?? 'Error';
  const text = JSON.stringify({
    error: denial.error ?? 'invalid_request',
    error_description: denial.description,
  });
  const lines = [
    `HTTP/1.1 ${String(denial.status)} ${reason}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    'Cache-Control: no-store',
    `Content-Length: ${String(Buffer.byteLength(text))}`,
  ];
  if (denial.status === 401 || denial.status === 403) {
    lines.push(`WWW-Authenticate: ${bearerChallenge(denial, resourceMetadataUrl)}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n${text}`;
}
