import { once } from 'node:events';

import { afterEach, describe, expect, it } from 'vitest';

import { memorySecretStore } from '../../test-support/memory-secret-store.js';
import {
  type OidcTestProvider,
  startOidcTestProvider,
  TEST_CLIENT_ID,
  TEST_RESOURCE,
  TEST_SCOPES,
  type TestProviderOptions,
} from '../../test-support/oidc-test-provider.js';
import { fastSleep, signInByDevice } from '../../test-support/provider-sign-in.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import type { AuditEventInput } from '../audit/audit-event.js';
import type { Clock } from '../base/clock.js';
import { systemClock } from '../base/clock.js';
import { isBrokerError } from '../base/errors.js';
import { silentLogger } from '../base/logger.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import { parseAccountId } from './provider-config.js';
import { ProviderService } from './provider-service.js';

const ACCOUNT = parseAccountId('corp');

describe('token refresh: one owner, rotation, invalid_grant (real oidc-provider)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(asOptions: TestProviderOptions, clock: Clock, refreshAheadMs = 60_000) {
    const as: OidcTestProvider = await startOidcTestProvider(asOptions);
    const dir = makeTempDir();
    const audit: AuditEventInput[] = [];
    const service = new ProviderService({
      providers: {
        corp: { issuer: as.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES, resource: TEST_RESOURCE },
      },
      secrets: memorySecretStore(),
      dataDir: dir.path,
      audit: { record: (e) => audit.push(e) },
      clock,
      logger: silentLogger(),
      redactor: new SecretRedactor(),
      sleep: fastSleep,
      refreshAheadMs,
      retry: { initialMs: 100, maxMs: 400 },
    });
    cleanups.push(
      () => as.close(),
      () => dir.remove(),
      () => service.refresher.stop(),
    );
    await signInByDevice(service, 'corp');
    return { as, service, audit };
  }

  it('refreshes ahead of expiry and saves the rotated refresh token before the new access token is used', async () => {
    const { as, service, audit } = await setup({ accessTokenTtlS: 3 }, systemClock, 2500);
    const before = await service.store.load(ACCOUNT);
    const refreshed = once(service.refresher, 'refreshed');
    const [account] = (await refreshed) as [string];
    expect(account).toBe('corp');
    const after = await service.store.load(ACCOUNT);
    expect(Date.now()).toBeLessThan(before?.expiresAt ?? 0); // before the old one expired
    expect(after?.accessToken).not.toBe(before?.accessToken);
    expect(after?.refreshToken).not.toBe(before?.refreshToken); // rotated, and already stored
    expect(as.tokenRequests('refresh_token')).toHaveLength(1);
    expect(as.tokenRequests('refresh_token')[0]?.params['resource']).toBe(TEST_RESOURCE);
    expect(service.store.metadata('corp')?.refreshedAt).toBeTypeOf('number');
    expect(audit.filter((e) => e.type === 'token.refresh')).toEqual([
      { type: 'token.refresh', outcome: 'ok', secretName: 'provider:corp:default' },
    ]);
    expect(JSON.stringify(audit)).not.toContain(after?.accessToken);
  });

  it('CL-10 concurrent needs at expiry share one refresh request', async () => {
    let now = Date.now();
    const { as, service } = await setup({}, { now: () => now });
    now += 10 * 60_000; // past expiry (300 s)
    const tokens = await Promise.all(Array.from({ length: 16 }, () => service.refresher.accessToken('corp')));
    expect(new Set(tokens).size).toBe(1);
    expect(as.tokenRequests('refresh_token')).toHaveLength(1);
    expect(tokens[0]).toBe((await service.store.load(ACCOUNT))?.accessToken);
  });

  it('CL-10 invalid_grant on a reused refresh token marks the account "sign-in needed", audits it, and stops', async () => {
    let now = Date.now();
    const { as, service, audit } = await setup({}, { now: () => now });
    const stale = await service.store.load(ACCOUNT);
    now += 10 * 60_000;
    await service.refresher.accessToken('corp'); // rotates; the stale refresh token is now spent
    if (!stale) throw new Error('no tokens');
    await service.store.save(ACCOUNT, stale, now, false); // as if another process raced with the old one
    const error = await service.refresher.accessToken('corp').catch((e: unknown) => e);
    expect(isBrokerError(error, 'SIGNIN_NEEDED')).toBe(true);
    expect((error as Error).message).toMatch(/Provider "corp".*Run: mcp-auth-broker login corp/);
    expect(service.store.metadata('corp')?.status).toBe('signin_needed');
    expect(await service.store.load(ACCOUNT)).toBeUndefined();
    expect(audit.filter((e) => e.type === 'token.refresh_failed')).toMatchObject([
      { outcome: 'error', errorCode: 'SIGNIN_NEEDED', secretName: 'provider:corp:default' },
    ]);
    const requests = as.tokenRequests('refresh_token').length;
    expect(requests).toBe(2);
    await expect(service.refresher.accessToken('corp')).rejects.toThrow(/login corp/);
    // A fixed wait on purpose: it proves that no refresh loop follows (something that must NOT happen).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(as.tokenRequests('refresh_token')).toHaveLength(requests); // no loop
  });

  it('keeps the old access token on a transient failure and retries with backoff', async () => {
    let now = Date.now();
    const { as, service, audit } = await setup({}, { now: () => now });
    const old = await service.store.load(ACCOUNT);
    now = (old?.expiresAt ?? 0) - 30_000; // due (60 s ahead) but still valid
    as.inject('/token', 503, { error: 'temporarily_unavailable' });
    const refreshed = once(service.refresher, 'refreshed');
    expect(await service.refresher.accessToken('corp')).toBe(old?.accessToken);
    expect(audit.find((e) => e.type === 'token.refresh_failed')).toMatchObject({
      errorCode: 'TOKEN_REFRESH_FAILED',
      message: expect.stringMatching(/^attempt 1: .*retrying in 100 ms$/) as unknown,
    });
    await refreshed; // the retry 100 ms later succeeds
    expect((await service.store.load(ACCOUNT))?.accessToken).not.toBe(old?.accessToken);
    expect(service.store.metadata('corp')?.status).toBe('ok');
  });

  it('refresh() forces one request even when not due; a token without a refresh token says how to renew', async () => {
    const { as, service } = await setup({}, systemClock);
    await Promise.all([service.refresher.refresh('corp'), service.refresher.refresh('corp')]);
    expect(as.tokenRequests('refresh_token')).toHaveLength(1);
    const tokens = await service.store.load(ACCOUNT);
    if (!tokens) throw new Error('no tokens');
    const { refreshToken: _dropped, ...withoutRefresh } = tokens;
    await service.store.save(ACCOUNT, withoutRefresh, Date.now(), false);
    await expect(service.refresher.refresh('corp')).rejects.toThrow(
      /no refresh token.*run: mcp-auth-broker login corp/,
    );
    expect(await service.refresher.accessToken('corp')).toBe(tokens.accessToken); // still valid: still used
  });
});
