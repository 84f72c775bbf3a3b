import * as client from 'openid-client';

import type { RevocationOutcome } from '../../contract/providers.js';
import { messageOf } from '../base/errors.js';
import type { ResolvedProvider } from './provider-discovery.js';
import type { StoredTokens } from './token-store.js';

/**
 * Revokes an account's tokens at the provider when it has an RFC 7009 endpoint: the refresh token
 * first (which ends the grant at most providers), then the access token. Never throws: sign-out
 * deletes the local copies whatever happens here; the outcome is reported and audited.
 *
 * @see RFC 7009 §2.1 (request), §2.2 (any 200 is success, also for unknown tokens)
 */
export async function revokeTokens(
  provider: ResolvedProvider,
  tokens: StoredTokens,
): Promise<RevocationOutcome> {
  if (provider.config.serverMetadata().revocation_endpoint === undefined) return { status: 'no_endpoint' };
  const targets: [string, string][] = [];
  if (tokens.refreshToken !== undefined) targets.push([tokens.refreshToken, 'refresh_token']);
  targets.push([tokens.accessToken, 'access_token']);
  let revoked = 0;
  try {
    for (const [token, hint] of targets) {
      try {
        await client.tokenRevocation(provider.config, token, { token_type_hint: hint });
        revoked += 1;
      } catch (error) {
        // §2.2.1: a provider may not revoke some token types (e.g. self-contained JWT access
        // tokens, which expire on their own); revoking the refresh token ended the grant.
        if (!(error instanceof client.ResponseBodyError && error.error === 'unsupported_token_type'))
          throw error;
      }
    }
    return revoked > 0 ? { status: 'revoked' } : { status: 'failed', reason: 'unsupported_token_type' };
  } catch (error) {
    const reason = error instanceof client.ResponseBodyError ? error.error : messageOf(error);
    return { status: 'failed', reason };
  }
}
