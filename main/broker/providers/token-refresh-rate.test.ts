import { afterEach, describe, expect, it } from 'vitest';

import { memorySecretStore } from '../../test-support/memory-secret-store.js';
import {
  startOidcTestProvider,
  TEST_CLIENT_ID,
  TEST_RESOURCE,
  TEST_SCOPES,
} from '../../test-support/oidc-test-provider.js';
import { fastSleep, signInByDevice } from '../../test-support/provider-sign-in.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import { systemClock } from '../base/clock.js';
import { silentLogger } from '../base/logger.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import { parseAccountId } from './provider-config.js';
import { ProviderService } from './provider-service.js';

const WATCH_MS = 10_000;

describe('refresh rate with short-lived tokens (real oidc-provider, rotating refresh tokens)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Signs in with the default refresh settings and counts refreshes for WATCH_MS. */
  async function watch(ttlS: number) {
    const as = await startOidcTestProvider({ accessTokenTtlS: ttlS });
    const dir = makeTempDir();
    const service = new ProviderService({
      providers: {
        corp: { issuer: as.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES, resource: TEST_RESOURCE },
      },
      secrets: memorySecretStore(),
      dataDir: dir.path,
      audit: { record: () => undefined },
      clock: systemClock,
      logger: silentLogger(),
      redactor: new SecretRedactor(),
      sleep: fastSleep,
    });
    cleanups.push(
      () => as.close(),
      () => dir.remove(),
      () => service.refresher.stop(),
    );
    await signInByDevice(service, 'corp');
    let restarts = 0;
    service.refresher.on('refreshed', () => (restarts += 1));
    const end = Date.now() + WATCH_MS;
    let expiredSeen = false;
    while (Date.now() < end) {
      await service.refresher.accessToken('corp'); // a tool call every 100 ms
      const tokens = await service.store.load(parseAccountId('corp'));
      if ((tokens?.expiresAt ?? 0) <= Date.now()) expiredSeen = true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { ttlS, refreshes: as.tokenRequests('refresh_token').length, restarts, expiredSeen };
  }

  it('REL-2 a 6, 10 or 30 s token is refreshed a handful of times in 10 s, not hundreds, and never runs out', async () => {
    const results = await Promise.all([watch(6), watch(10), watch(30)]);
    console.log(
      `REL-2 refreshes in ${String(WATCH_MS / 1000)} s: ` +
        results
          .map((r) => `TTL ${String(r.ttlS)} s → ${String(r.refreshes)} (restarts ${String(r.restarts)})`)
          .join(', '),
    );
    const [six, ten, thirty] = results;
    // Refresh at about two thirds of the lifetime: 6 s → ~every 4 s, 10 s → ~every 6.7 s, 30 s → ~at 20 s.
    expect(six.refreshes).toBeGreaterThanOrEqual(1);
    expect(six.refreshes).toBeLessThanOrEqual(3);
    expect(ten.refreshes).toBeGreaterThanOrEqual(1);
    expect(ten.refreshes).toBeLessThanOrEqual(2);
    expect(thirty.refreshes).toBe(0);
    for (const r of results) {
      expect(r.restarts).toBe(r.refreshes);
      expect(r.expiredSeen).toBe(false);
    }
  }, 40_000);
});
