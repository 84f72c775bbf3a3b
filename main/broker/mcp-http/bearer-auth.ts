import {
  type AccessTokenClaims,
  type AccessTokenVerifier,
  InvalidTokenError,
  type InvalidTokenReason,
} from '../authz/access-token.js';
import { looksLikeApiKey } from '../authz/api-key-format.js';
import { isBrokerError } from '../base/errors.js';
import type { ResourceDenial } from './bearer-challenge.js';

/**
 * Query parameters that carry credentials: RFC 6750 §2.3's `access_token` and the usual spellings of
 * an API key. The broker never accepts any of them (URLs end up in logs and histories), nor any
 * parameter whose value is shaped like one of its API keys.
 */
const QUERY_TOKEN_PARAMS = ['access_token', 'key', 'api_key', 'apikey'];

function credentialInQuery(url: URL): boolean {
  if (QUERY_TOKEN_PARAMS.some((name) => url.searchParams.has(name))) return true;
  return [...url.searchParams.values()].some(looksLikeApiKey);
}
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export interface BearerAuthDeps {
  verifier: AccessTokenVerifier;
  /** The exact `/mcp` URL; a token must name it in `aud` (RFC 8707 §2, checklist RS-2). */
  resource: string;
  /** Scopes to name in a 401 challenge so the client knows what to ask for (PRM-4). */
  challengeScopes: () => string[];
  /** Seconds since the epoch. */
  now: () => number;
}

export type BearerResult = { ok: true; claims: AccessTokenClaims } | { ok: false; denial: ResourceDenial };

const DESCRIPTIONS: Record<InvalidTokenReason, string> = {
  expired: 'The access token has expired; refresh it or sign in again.',
  invalid: 'The access token is invalid (malformed, bad signature, or not issued by this broker).',
  audience: 'The access token was issued for another resource, not this MCP endpoint.',
  revoked: 'The access token was revoked (the grant was withdrawn); sign in again.',
};

/** The same reasons told to the holder of an API key (issue 13.7), who cannot sign in again. */
const KEY_DESCRIPTIONS: Record<InvalidTokenReason, string> = {
  expired: 'The API key has expired; ask the person for a new one ("mcp-auth-broker keys create").',
  invalid: 'The API key is malformed (its checksum does not match); check that it was copied whole.',
  audience: DESCRIPTIONS.audience,
  revoked: 'The API key is unknown or was revoked; ask the person for a new one.',
};

/**
 * Authenticates one request with an RFC 6750 §2.1 bearer token — an access token or an API key
 * (issue 13.7), the verifier tells them apart — from the `Authorization` header only. Returns the verified claims, or the denial to send: 401 without `error` when no token was
 * sent (RFC 6750 §3.1), `invalid_token` telling expired from invalid, `invalid_request` for a token
 * in the query string (RFC 6750 §2.3 is not supported).
 */
export async function authenticateBearer(
  authorization: string | undefined,
  url: URL,
  deps: BearerAuthDeps,
): Promise<BearerResult> {
  const scopes = deps.challengeScopes();
  const fail = (error: ResourceDenial['error'], description: string): BearerResult => ({
    ok: false,
    denial: { status: 401, ...(error === undefined ? {} : { error }), description, scopes },
  });
  if (credentialInQuery(url)) {
    return fail(
      'invalid_request',
      'Access tokens and API keys in the query string are refused; send "Authorization: Bearer".',
    );
  }
  const header = authorization;
  if (header === undefined || header.trim() === '') {
    return fail(undefined, 'This MCP endpoint needs an access token from the broker.');
  }
  const token = BEARER.exec(header.trim())?.[1];
  if (token === undefined) return fail('invalid_token', 'The Authorization header is not "Bearer <token>".');
  let claims: AccessTokenClaims;
  try {
    claims = await deps.verifier.verify(token);
  } catch (error) {
    // Keys not readable yet (locked keychain): "come back later", not "your token is bad", so the
    // client keeps its token and its grant.
    if (isBrokerError(error, 'SECRET_STORE_UNAVAILABLE')) {
      return { ok: false, denial: { status: 503, description: error.message, rpcCode: -32000 } };
    }
    const reason = error instanceof InvalidTokenError ? error.reason : 'invalid';
    return fail('invalid_token', (looksLikeApiKey(token) ? KEY_DESCRIPTIONS : DESCRIPTIONS)[reason]);
  }
  // Checked here as well as by the verifier: the resource alone knows its own URL.
  if (!claims.audience.includes(deps.resource)) return fail('invalid_token', DESCRIPTIONS.audience);
  if (claims.expiresAt <= deps.now()) return fail('invalid_token', DESCRIPTIONS.expired);
  return { ok: true, claims };
}
