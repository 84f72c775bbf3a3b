import type * as client from 'openid-client';

import type { StoredTokens } from './token-store.js';

/**
 * What a sign-in reports while it runs. `login --json` prints one of these per line, and the control
 * API streams them as NDJSON; none carries a token, a device code or a code verifier.
 */
export type SignInEvent =
  | {
      event: 'device_code';
      account: string;
      verificationUri: string;
      verificationUriComplete?: string;
      userCode: string;
      expiresInS: number;
      intervalS: number;
    }
  | { event: 'waiting'; account: string; secondsLeft: number; intervalS: number }
  | { event: 'browser'; account: string; url: string }
  | { event: 'success'; account: string; scopes: string[]; expiresAt?: string; subject?: string }
  | { event: 'failure'; account: string; code: string; message: string };

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
