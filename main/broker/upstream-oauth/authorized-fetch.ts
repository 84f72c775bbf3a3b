import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import * as oidc from 'openid-client';

import type { AuditSink } from '../audit/audit-event.js';
import { BrokerError, isBrokerError, messageOf } from '../base/errors.js';
import { IssuerChangedError } from '../providers/token-refresher.js';
import type { StoredTokens } from '../providers/token-store.js';
import { type Fetch, guardedFetch } from './authorization-discovery.js';
import { dpopResourceFetch } from './dpop-binding.js';
import { loginCommand, remoteAccountId, type RemoteAuthorizations } from './remote-authorizations.js';

/**
 * The fetch a remote upstream's transport uses for `"auth": "oauth"`: it attaches the server's
 * access token (refreshed ahead of expiry by the issue-3 refresher), answers a 401 with one forced
 * refresh, turns a 401 it cannot fix into a fast SIGNIN_NEEDED naming the command, and a 403
 * `insufficient_scope` into one step-up (the union of scopes) — never a hang, never a loop.
 *
 * @see RFC 6750 §3, §3.1; MCP authorization §2.6 (step-up), §2.8 (token handling)
 */

/** What the fetch needs of the issue-3 token machinery (the TokenRefresher and TokenStore). */
export interface RemoteTokenSource {
  accessToken(accountId: string): Promise<string>;
  refresh(accountId: string, force?: boolean): Promise<StoredTokens>;
  /** Non-secret facts of the account (undefined: never signed in). */
  metadata(accountId: string): { status: string; scopes: string[]; reason?: string | undefined } | undefined;
}

export interface AuthorizedFetchDeps {
  server: string;
  authorizations: RemoteAuthorizations;
  tokens: RemoteTokenSource;
  audit: AuditSink;
  fetch: Fetch;
  /** The server's tokens were refused (not a step-up): its status should say it needs sign-in. */
  onTokenRefused?: (error: BrokerError) => void;
}

/** Reports a refused token, then returns the error to throw. */
function refused(deps: AuthorizedFetchDeps, error: BrokerError): BrokerError {
  deps.onTokenRefused?.(error);
  return error;
}

function signInNeeded(server: string, why: string): BrokerError {
  return new BrokerError(
    'SIGNIN_NEEDED',
    `Remote server "${server}" ${why}. Sign in with: ${loginCommand(server)} (add --no-open on a machine without a browser).`,
  );
}

function withToken(init: RequestInit | undefined, token: string | undefined): RequestInit {
  const headers = new Headers(init?.headers);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  return { ...init, headers };
}

async function currentToken(deps: AuthorizedFetchDeps, account: string): Promise<string | undefined> {
  if (deps.authorizations.isMachineClient(deps.server)) {
    // Client credentials (13.2): the token is requested at connect and again when due, by the
    // refresher (one request in flight), with no sign-in.
    return deps.tokens.refresh(account, false).then(
      (tokens) => tokens.accessToken,
      (error: unknown) => refreshFailed(deps, error),
    );
  }
  const meta = deps.tokens.metadata(account);
  if (meta === undefined) return undefined;
  if (meta.status !== 'ok') {
    const why =
      meta.reason === 'issuer_changed' ? 'its authorization server changed' : 'its refresh token was refused';
    throw refused(deps, signInNeeded(deps.server, `needs sign-in again (${why})`));
  }
  try {
    return await deps.tokens.accessToken(account);
  } catch (error) {
    return refreshFailed(deps, error);
  }
}

/** The OAuth error code of a token endpoint answer: in its body, or (a 401) in its challenge. */
function oauthErrorOf(cause: unknown): string | undefined {
  if (cause instanceof oidc.ResponseBodyError) return cause.error;
  if (cause instanceof oidc.WWWAuthenticateChallengeError) return cause.cause[0]?.parameters.error;
  return undefined;
}

/**
 * A failed refresh as the caller's error: `invalid_client` (CL-4) drops the registration so the
 * next sign-in registers once more; anything else asks for a sign-in.
 */
async function refreshFailed(deps: AuthorizedFetchDeps, error: unknown): Promise<never> {
  if (error instanceof IssuerChangedError) {
    // 13.5: the old tokens were not sent to the new AS; the registration there is already new.
    throw refused(
      deps,
      new BrokerError(
        'SIGNIN_NEEDED',
        `The authorization server of remote server "${deps.server}" changed from ${error.from} to ${error.to}; sign in again: ${loginCommand(deps.server)}`,
      ),
    );
  }
  if (oauthErrorOf(error instanceof Error ? error.cause : undefined) === 'invalid_client') {
    if (deps.authorizations.isPreRegistered(deps.server)) {
      // 13.1: a configured client is the person's to fix; there is nothing to register again.
      throw refused(
        deps,
        new BrokerError(
          'UPSTREAM_AUTH_FAILED',
          `The authorization server of remote server "${deps.server}" refused its pre-registered client (invalid_client). Check "oauth.clientId" and the secret or key it names in the keychain (mcp-auth-broker secret set <name>), then run: ${loginCommand(deps.server)}`,
        ),
      );
    }
    await deps.authorizations.clientRejected(deps.server);
    throw refused(
      deps,
      signInNeeded(
        deps.server,
        "no longer accepts the broker's client registration (invalid_client); signing in registers it again",
      ),
    );
  }
  if (isBrokerError(error, 'SIGNIN_NEEDED'))
    throw refused(deps, signInNeeded(deps.server, 'needs sign-in again'));
  throw refused(
    deps,
    signInNeeded(deps.server, `refused the access token and refreshing failed (${messageOf(error)})`),
  );
}

/** One forced refresh after a 401. */
async function refreshAfter401(deps: AuthorizedFetchDeps, account: string): Promise<string> {
  try {
    return (await deps.tokens.refresh(account, true)).accessToken;
  } catch (error) {
    return refreshFailed(deps, error);
  }
}

function authFailed(deps: AuthorizedFetchDeps, status: number, error: BrokerError): BrokerError {
  deps.audit.record({
    type: 'upstream.auth_failed',
    outcome: 'error',
    server: deps.server,
    errorCode: error.code,
    message: `HTTP ${String(status)}: ${error.message}`,
  });
  return error;
}

/** CL-7: a 403 `insufficient_scope` widens the next sign-in's scopes once, then fails clearly. */
function onInsufficientScope(deps: AuthorizedFetchDeps, account: string, scope: string | undefined) {
  const wanted = scope?.split(' ').filter(Boolean) ?? [];
  const granted = deps.tokens.metadata(account)?.scopes ?? [];
  if (deps.authorizations.stepUp(deps.server, wanted, granted) === 'sign-in') {
    return signInNeeded(deps.server, `needs more permission (scope "${wanted.join(' ')}")`);
  }
  return new BrokerError(
    'UPSTREAM_AUTH_FAILED',
    `Remote server "${deps.server}" still refuses the request after signing in with scope "${[...new Set([...granted, ...wanted])].join(' ')}" (403 insufficient_scope). Check the account's permissions on that service.`,
  );
}

/** Builds the fetch of one remote server's transport. */
export function authorizedFetch(deps: AuthorizedFetchDeps): Fetch {
  const account = remoteAccountId(deps.server);
  const base = guardedFetch(deps.fetch);
  return async (url, init) => {
    const token = await currentToken(deps, account);
    const dpop = token === undefined ? undefined : await deps.authorizations.dpop(deps.server);
    // 13.3: a DPoP-bound token goes with a proof (and the server's nonce); a bearer token as is.
    const send = (value: string | undefined) =>
      dpop && value !== undefined
        ? dpopResourceFetch(base, url, init, value, dpop)
        : base(url, withToken(init, value));
    let response = await send(token);
    if (response.status === 401) {
      const challenge = extractWWWAuthenticateParams(response);
      deps.authorizations.noteChallenge(deps.server, challenge);
      if (token === undefined) {
        throw refused(deps, authFailed(deps, 401, signInNeeded(deps.server, 'requires sign-in')));
      }
      // A refused token may mean the server trusts another AS now (13.5): discover afresh first.
      deps.authorizations.rediscover(deps.server);
      response = await send(await refreshAfter401(deps, account));
      if (response.status === 401) {
        throw refused(
          deps,
          authFailed(deps, 401, signInNeeded(deps.server, 'refused the refreshed access token')),
        );
      }
    }
    if (response.status === 403) {
      const { error, scope } = extractWWWAuthenticateParams(response);
      if (error === 'insufficient_scope')
        throw authFailed(deps, 403, onInsufficientScope(deps, account, scope));
    }
    return response;
  };
}
