import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import { memorySecretStore } from '../../test-support/memory-secret-store.js';
import { fastSleep } from '../../test-support/provider-sign-in.js';
import { systemClock } from '../base/clock.js';
import { isBrokerError } from '../base/errors.js';
import { runBrowserAuthorization } from './browser-authorization.js';
import { runDeviceAuthorization } from './device-authorization.js';
import type { ProviderConfig } from './provider-config.js';
import { resolveProvider } from './provider-discovery.js';

const DEVICE = {
  device_code: 'dc-1',
  user_code: 'ABCD-EFGH',
  verification_uri: 'https://x.example/device',
  expires_in: 900,
  interval: 5,
};
const TOKEN = { access_token: 'at-value-123456', token_type: 'bearer' };
const RESOURCE = 'https://mcp.example/mcp';

describe('provider presets: request shapes against a loopback capture server (never the real providers)', () => {
  let capture: CaptureServer;
  beforeAll(async () => {
    capture = await startCaptureServer();
  });
  afterAll(() => capture.close());
  beforeEach(() => {
    capture.requests.length = 0;
  });

  async function deviceFlow(config: ProviderConfig, secrets = memorySecretStore()) {
    const provider = await resolveProvider(
      'p',
      { authority: capture.origin, resource: RESOURCE, ...config },
      { secrets },
    );
    const tokens = await runDeviceAuthorization(provider, {
      account: 'p',
      clock: systemClock,
      sleep: fastSleep,
      onEvent: () => undefined,
    });
    return { provider, tokens };
  }

  it('CL-5 GitHub: fixed endpoints, JSON Accept, HTTP-200 errors and comma scopes understood, no resource', async () => {
    capture.reply('/login/device/code', { json: DEVICE });
    capture.reply(
      '/login/oauth/access_token',
      { json: { error: 'authorization_pending' } }, // GitHub answers errors with 200
      { json: { ...TOKEN, scope: 'repo,gist' } }, // no expires_in: a non-expiring OAuth app token
    );
    const { tokens } = await deviceFlow({ preset: 'github', clientId: 'Iv1.gh', scopes: ['repo', 'gist'] });
    const [device, poll, success] = capture.requests;
    expect(device).toMatchObject({
      method: 'POST',
      path: '/login/device/code',
      form: { client_id: 'Iv1.gh', scope: 'repo gist' },
    });
    expect(device?.headers.accept).toBe('application/json');
    expect(poll).toMatchObject({
      path: '/login/oauth/access_token',
      form: {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: 'dc-1',
        client_id: 'Iv1.gh',
      },
    });
    expect(poll?.headers.accept).toBe('application/json');
    expect(success?.form).not.toHaveProperty('resource');
    expect(device?.form).not.toHaveProperty('resource');
    expect(tokens.scope).toBe('repo gist');
    expect(tokens.expiresIn()).toBeUndefined();
  });

  it('CL-5 Google: client secret from the store, allowed device scopes only, offline access in the browser, no resource', async () => {
    capture.reply('/device/code', { json: DEVICE });
    capture.reply('/token', {
      json: { ...TOKEN, expires_in: 3599, refresh_token: 'rt-g-123456', scope: 'openid email' },
    });
    const secrets = memorySecretStore({ 'google-client-secret': 'gsecret-123456' });
    const config: ProviderConfig = {
      preset: 'google',
      clientId: 'g.apps',
      clientSecret: { secret: 'google-client-secret' },
    };
    const { provider } = await deviceFlow(config, secrets);
    const [device, poll] = capture.requests;
    expect(device).toMatchObject({
      path: '/device/code',
      form: { client_id: 'g.apps', client_secret: 'gsecret-123456', scope: 'openid email' },
    });
    expect(poll).toMatchObject({ path: '/token', form: { client_secret: 'gsecret-123456' } });
    expect(poll?.form).not.toHaveProperty('resource');
    expect(provider.config.serverMetadata().revocation_endpoint).toBe(`${capture.origin}/revoke`);

    const refused = await deviceFlow(
      { ...config, scopes: ['https://www.googleapis.com/auth/gmail.readonly'] },
      secrets,
    ).catch((e: unknown) => e);
    expect(isBrokerError(refused, 'SIGNIN_FAILED')).toBe(true);
    expect((refused as Error).message).toMatch(/does not allow these scopes in the device flow.*--browser/);

    let url: URL | undefined;
    let page: Promise<Response> | undefined;
    const browser = await runBrowserAuthorization(provider, {
      account: 'p',
      onEvent: () => undefined,
      openUrl: (href) => {
        url = new URL(href);
        const back = new URL(url.searchParams.get('redirect_uri') ?? '');
        back.search = new URLSearchParams({
          error: 'access_denied',
          state: url.searchParams.get('state') ?? '',
        }).toString();
        page = fetch(back); // the browser comes back while the broker waits
        return Promise.resolve();
      },
      timeoutMs: 10_000,
    }).catch((e: unknown) => e);
    expect(url?.pathname).toBe('/o/oauth2/v2/auth');
    expect(url?.searchParams.get('access_type')).toBe('offline');
    expect(url?.searchParams.get('prompt')).toBe('consent');
    expect(url?.searchParams.has('resource')).toBe(false);
    expect((browser as Error).message).toMatch(/access was denied/);
    expect(await (await page)?.text()).toContain('You can close this tab');
  });

  it('CL-5 Entra: tenant in the URL, .default scopes, and never the resource parameter it rejects', async () => {
    const base = '/contoso.onmicrosoft.com/oauth2/v2.0';
    capture.reply(`${base}/devicecode`, { json: DEVICE });
    capture.reply(`${base}/token`, { json: { ...TOKEN, expires_in: 3600, refresh_token: 'rt-e-123456' } });
    const { provider } = await deviceFlow({
      preset: 'entra',
      clientId: 'e-app',
      tenant: 'contoso.onmicrosoft.com',
    });
    const [device, poll] = capture.requests;
    expect(device).toMatchObject({
      path: `${base}/devicecode`,
      form: { client_id: 'e-app', scope: 'openid offline_access https://graph.microsoft.com/.default' },
    });
    expect(poll?.path).toBe(`${base}/token`);
    for (const request of capture.requests) expect(request.form).not.toHaveProperty('resource');
    expect(provider.resource).toBeUndefined();
    expect(provider.config.serverMetadata().revocation_endpoint).toBeUndefined();
  });

  it('refuses a non-loopback http endpoint', async () => {
    const error = await resolveProvider(
      'p',
      { preset: 'github', clientId: 'x', authority: 'http://github.example' },
      { secrets: memorySecretStore() },
    ).catch((e: unknown) => e);
    expect(isBrokerError(error, 'PROVIDER_CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/must use https/);
  });
});
