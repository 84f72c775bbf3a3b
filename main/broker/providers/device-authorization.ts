import * as client from 'openid-client';

import type { Clock } from '../base/clock.js';
import { BrokerError } from '../base/errors.js';
import type { ResolvedProvider } from './provider-discovery.js';
import type { SignInListener, Sleep } from './sign-in-events.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** RFC 8628 §3.2: the default polling interval when the response has none; §3.5: `slow_down` adds 5 s. */
export const DEFAULT_INTERVAL_S = 5;
export const SLOW_DOWN_S = 5;

export interface DeviceFlowDeps {
  account: string;
  clock: Clock;
  sleep: Sleep;
  onEvent: SignInListener;
  signal?: AbortSignal;
}

type TokenResponse = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;

function failure(provider: string, error: string): BrokerError {
  const messages: Record<string, string> = {
    access_denied: `Sign-in to "${provider}" was denied on the provider's page. Run the login again to retry.`,
    expired_token: `The code for "${provider}" expired before it was entered. Run the login again for a new code.`,
  };
  return new BrokerError(
    'SIGNIN_FAILED',
    messages[error] ?? `Sign-in to "${provider}" failed at the provider: ${error}.`,
  );
}

function assertDeviceScopes(provider: ResolvedProvider): void {
  const allowed = provider.quirks.deviceScopes;
  const refused = allowed ? provider.scopes.filter((s) => !allowed.includes(s)) : [];
  if (refused.length > 0) {
    throw new BrokerError(
      'SIGNIN_FAILED',
      `Provider "${provider.id}" does not allow these scopes in the device flow: ${refused.join(', ')}. Use --browser instead.`,
    );
  }
}

/**
 * Device authorization grant: asks for a device code, reports the verification URI and user code,
 * then polls the token endpoint at the given interval until the person approves. `authorization_pending`
 * keeps polling, `slow_down` adds 5 s to the interval, `access_denied` and `expired_token` (or the
 * code's own expiry) end it with a clear SIGNIN_FAILED.
 *
 * @see RFC 8628 §3.1–§3.5
 */
export async function runDeviceAuthorization(
  provider: ResolvedProvider,
  deps: DeviceFlowDeps,
): Promise<TokenResponse> {
  assertDeviceScopes(provider);
  const resource = provider.resource === undefined ? {} : { resource: provider.resource };
  const params = { ...(provider.scopes.length ? { scope: provider.scopes.join(' ') } : {}), ...resource };
  const device = await client.initiateDeviceAuthorization(provider.config, params);
  let intervalS = device.interval ?? DEFAULT_INTERVAL_S;
  const deadline = deps.clock.now() + device.expires_in * 1000;
  deps.onEvent({
    event: 'device_code',
    account: deps.account,
    verificationUri: device.verification_uri,
    ...(device.verification_uri_complete === undefined
      ? {}
      : { verificationUriComplete: device.verification_uri_complete }),
    userCode: device.user_code,
    expiresInS: device.expires_in,
    intervalS,
  });
  for (;;) {
    await deps.sleep(intervalS * 1000, deps.signal);
    if (deps.clock.now() >= deadline) throw failure(provider.id, 'expired_token');
    try {
      return await client.genericGrantRequest(provider.config, DEVICE_CODE_GRANT, {
        device_code: device.device_code,
        ...resource,
      });
    } catch (error) {
      if (!(error instanceof client.ResponseBodyError)) throw error;
      if (error.error === 'slow_down') intervalS += SLOW_DOWN_S;
      else if (error.error !== 'authorization_pending') throw failure(provider.id, error.error);
      const secondsLeft = Math.max(0, Math.round((deadline - deps.clock.now()) / 1000));
      deps.onEvent({ event: 'waiting', account: deps.account, secondsLeft, intervalS });
    }
  }
}
