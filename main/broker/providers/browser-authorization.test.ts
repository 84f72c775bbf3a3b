import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';

import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { memorySecretStore } from '../../test-support/memory-secret-store.js';
import { actAsPerson, type PersonOptions, type PersonResult } from '../../test-support/oauth-person.js';
import {
  type OidcTestProvider,
  startOidcTestProvider,
  TEST_CLIENT_ID,
  TEST_RESOURCE,
  TEST_SCOPES,
} from '../../test-support/oidc-test-provider.js';
import { isBrokerError } from '../base/errors.js';
import { runBrowserAuthorization } from './browser-authorization.js';
import { type ResolvedProvider, resolveProvider } from './provider-discovery.js';
import type { SignInEvent } from './sign-in-events.js';

describe('browser sign-in: authorization code + PKCE S256 over a loopback redirect (RFC 8252)', () => {
  let as: OidcTestProvider;
  let provider: ResolvedProvider;

  beforeAll(async () => {
    as = await startOidcTestProvider();
    provider = await resolveProvider(
      'corp',
      { issuer: as.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES, resource: TEST_RESOURCE },
      { secrets: memorySecretStore() },
    );
  });
  afterAll(() => as.close());

  async function signIn(target: ResolvedProvider, person: PersonOptions = {}) {
    const events: SignInEvent[] = [];
    let page: Promise<PersonResult> | undefined;
    const result = await runBrowserAuthorization(target, {
      account: 'corp',
      onEvent: (e) => events.push(e),
      openUrl: (url) => {
        page = actAsPerson(url, person);
        return Promise.resolve();
      },
      timeoutMs: 20_000,
    }).catch((error: unknown) => error);
    return { result, events, page: await page };
  }

  it('CL-5 signs in with PKCE S256 and sends resource on the authorization and token requests', async () => {
    const { result, events, page } = await signIn(provider);
    if (result instanceof Error) throw result;
    const tokens = result as { access_token: string; refresh_token?: string };
    expect(decodeJwt(tokens.access_token).aud).toBe(TEST_RESOURCE);
    expect(tokens.refresh_token).toBeTruthy();
    expect(page?.status).toBe(200);
    expect(page?.text).toContain('You can close this tab');
    const browser = events.find((e) => e.event === 'browser');
    const url = new URL(browser?.event === 'browser' ? browser.url : '');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('resource')).toBe(TEST_RESOURCE);
    expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const exchange = as.tokenRequests('authorization_code').at(-1);
    expect(exchange?.params['resource']).toBe(TEST_RESOURCE);
    expect(exchange?.params['code_verifier']).toBeTruthy();
  });

  it('CL-6 refuses a callback whose state was tampered with', async () => {
    const tamper = (url: URL) => {
      if (url.pathname === '/callback') url.searchParams.set('state', 'forged-state');
      return url;
    };
    const before = as.tokenRequests('authorization_code').length;
    const { result, page } = await signIn(provider, { rewriteRedirect: tamper });
    expect(isBrokerError(result, 'SIGNIN_FAILED')).toBe(true);
    expect((result as Error).message).toMatch(/wrong state; it was refused/);
    expect(page?.status).toBe(400);
    expect(page?.text).toContain('Sign-in failed');
    expect(as.tokenRequests('authorization_code').length).toBe(before); // the code was never redeemed
  });

  it('CL-6 refuses a callback from another issuer when the provider advertises RFC 9207 iss', async () => {
    expect(provider.config.serverMetadata().authorization_response_iss_parameter_supported).toBe(true);
    const tamper = (url: URL) => {
      if (url.pathname === '/callback') url.searchParams.set('iss', 'https://evil.example');
      return url;
    };
    const { result } = await signIn(provider, { rewriteRedirect: tamper });
    expect(isBrokerError(result, 'SIGNIN_FAILED')).toBe(true);
    expect((result as Error).message).toMatch(/another issuer/);
  });

  it('says clearly when the registered fixed redirect port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const { result } = await signIn({ ...provider, redirectPort: port });
      expect(isBrokerError(result, 'PORT_IN_USE')).toBe(true);
      expect((result as Error).message).toContain(`Port ${String(port)} on 127.0.0.1 is taken`);
    } finally {
      blocker.close();
    }
  });
});
