import * as client from 'openid-client';

import { BrokerError, messageOf } from '../base/errors.js';
import { listenForRedirect } from './loopback-redirect.js';
import type { ResolvedProvider } from './provider-discovery.js';
import type { SignInListener } from './sign-in-events.js';

export interface BrowserFlowDeps {
  account: string;
  onEvent: SignInListener;
  /** Opens the system browser (or does nothing with `--no-open`: the URL is in the `browser` event). */
  openUrl: (url: string) => Promise<void>;
  /** How long to wait for the browser to come back (ms). */
  timeoutMs: number;
  /** Ends the wait (e.g. the CLI that asked for the sign-in went away). */
  signal?: AbortSignal;
}

type TokenResponse = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;

/**
 * Refuses a callback whose `state` differs from the one sent (CSRF, RFC 6749 §10.12) or, when the
 * provider advertises RFC 9207, whose `iss` is missing or not the provider's issuer (mix-up).
 */
export function checkCallback(url: URL, state: string, provider: ResolvedProvider): void {
  const metadata = provider.config.serverMetadata();
  if (url.searchParams.get('state') !== state) {
    throw new BrokerError(
      'SIGNIN_FAILED',
      `The sign-in response for "${provider.id}" had the wrong state; it was refused. Try again.`,
    );
  }
  if (metadata.authorization_response_iss_parameter_supported === true) {
    if (url.searchParams.get('iss') !== metadata.issuer) {
      throw new BrokerError(
        'SIGNIN_FAILED',
        `The sign-in response for "${provider.id}" came from another issuer; it was refused.`,
      );
    }
  }
  const error = url.searchParams.get('error');
  if (error !== null) {
    const detail = error === 'access_denied' ? 'access was denied on the provider page' : error;
    throw new BrokerError(
      'SIGNIN_FAILED',
      `Sign-in to "${provider.id}" failed: ${detail}. Run the login again to retry.`,
    );
  }
}

function timeout(ms: number, id: string, signal?: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal?.addEventListener('abort', () => {
      reject(new BrokerError('SIGNIN_FAILED', `The sign-in for "${id}" was cancelled.`));
    });
    setTimeout(() => {
      reject(
        new BrokerError(
          'SIGNIN_FAILED',
          `No answer from the browser for "${id}" within ${String(Math.round(ms / 1000))} s.`,
        ),
      );
    }, ms).unref();
  });
}

/**
 * Authorization code grant with PKCE S256 and a loopback redirect: opens the authorization URL, waits
 * for the browser to come back, checks `state` and `iss`, and exchanges the code (sending the same
 * `resource`, unless the provider's quirks say it rejects it).
 *
 * @see RFC 6749 §4.1, RFC 7636 §4, RFC 8252 §7.3, RFC 9207 §2.4, RFC 8707 §2
 */
export async function runBrowserAuthorization(
  provider: ResolvedProvider,
  deps: BrowserFlowDeps,
): Promise<TokenResponse> {
  const redirect = await listenForRedirect(provider.redirectPort ?? 0, provider.id);
  try {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const resource = provider.resource === undefined ? {} : { resource: provider.resource };
    const url = client.buildAuthorizationUrl(provider.config, {
      redirect_uri: redirect.redirectUri,
      ...(provider.scopes.length ? { scope: provider.scopes.join(' ') } : {}),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...resource,
      ...provider.quirks.authorizationParams,
    });
    deps.onEvent({ event: 'browser', account: deps.account, url: url.href });
    await deps.openUrl(url.href);
    const { url: back, respond } = await Promise.race([
      redirect.callback,
      timeout(deps.timeoutMs, provider.id, deps.signal),
    ]);
    try {
      checkCallback(back, state, provider);
      const tokens = await client.authorizationCodeGrant(
        provider.config,
        back,
        { pkceCodeVerifier: verifier, expectedState: state },
        { redirect_uri: redirect.redirectUri, ...resource },
        provider.dpop ? { DPoP: provider.dpop } : undefined,
      );
      respond(true, `Signed in to ${provider.id}.`);
      return tokens;
    } catch (error) {
      respond(false, messageOf(error));
      throw error;
    }
  } finally {
    redirect.close();
  }
}
