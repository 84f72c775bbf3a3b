/**
 * Contract between the broker's authorization server (which mints access tokens for MCP clients)
 * and its protected resource (`/mcp`, `/ws`), which only ever verifies them. Tokens are short-lived
 * JWTs whose `aud` is the broker's exact `/mcp` URL (RFC 8707) and whose scopes name the servers a
 * client was granted at consent: `mcp:servers:<server name>`.
 */

/** Scope prefix that maps a grant to one configured MCP server. */
export const SERVER_SCOPE_PREFIX = 'mcp:servers:';

/** The scope that grants a client the tools of `server`. */
export function scopeForServer(server: string): string {
  return `${SERVER_SCOPE_PREFIX}${server}`;
}

/** Server names granted by a list of scopes (other scopes are ignored). */
export function serversFromScopes(scopes: readonly string[]): Set<string> {
  return new Set(
    scopes.filter((s) => s.startsWith(SERVER_SCOPE_PREFIX)).map((s) => s.slice(SERVER_SCOPE_PREFIX.length)),
  );
}

/** What a verified access token says. */
export interface AccessTokenClaims {
  /** OAuth client id (a registered id or a CIMD URL). */
  clientId: string;
  /** The person (the local user's account id at the broker). */
  subject: string;
  scopes: string[];
  /** Resource(s) the token was minted for; must include the broker's `/mcp` URL. */
  audience: string[];
  /** Seconds since the epoch. */
  expiresAt: number;
  /** Grant id, so a revoked client's tokens stop working at once. */
  grantId?: string;
}

/** Why a token was refused; `expired` and `invalid` are told apart (checklist RS-1). */
export type InvalidTokenReason = 'expired' | 'invalid' | 'audience' | 'revoked';

export class InvalidTokenError extends Error {
  constructor(
    readonly reason: InvalidTokenReason,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

/** Implemented by the authorization server; used by the protected resource. */
export interface AccessTokenVerifier {
  /** Resolves the claims, or rejects with InvalidTokenError. Never logs the token. */
  verify(token: string): Promise<AccessTokenClaims>;
}
