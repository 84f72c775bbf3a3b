import type * as client from 'openid-client';

import type { SignInEvent } from '../../contract/providers.js';
import type { StoredTokens } from './token-store.js';

/** What a sign-in reports while it runs (the contract's `SignInEventSchema`). */
export type { SignInEvent };

export type SignInListener = (event: SignInEvent) => void;

/** Injected waiting, so tests can poll fast and still see the requested intervals. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    });
  });

/**
 * A token response as stored. A refresh response without a new refresh token keeps the old one
 * (RFC 6749 §6); `scope` absent means "as requested" (§5.1).
 *
 * @see RFC 6749 §5.1, §6
 */
export function toStoredTokens(
  response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  now: number,
  fallback: { scopes: string[]; refreshToken?: string | undefined; subject?: string | undefined },
): StoredTokens {
  const expiresIn = response.expiresIn();
  const refreshToken = response.refresh_token ?? fallback.refreshToken;
  const subject = response.claims()?.sub ?? fallback.subject;
  return {
    accessToken: response.access_token,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(expiresIn === undefined ? {} : { expiresAt: now + expiresIn * 1000, obtainedAt: now }),
    scopes: response.scope === undefined ? fallback.scopes : response.scope.split(' ').filter(Boolean),
    tokenType: response.token_type,
    ...(subject === undefined ? {} : { subject }),
  };
}
