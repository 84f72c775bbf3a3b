import { afterEach, describe, expect, it } from 'vitest';

import { keychainAvailability, uniqueKeychainService } from '../../test-support/keychain.js';
import { keyringLockAvailability, lockKeyring, unlockKeyring } from '../../test-support/keyring-lock.js';
import {
  type OidcTestProvider,
  startOidcTestProvider,
  TEST_CLIENT_ID,
  TEST_RESOURCE,
  TEST_SCOPES,
} from '../../test-support/oidc-test-provider.js';
import { fastSleep, signInByDevice } from '../../test-support/provider-sign-in.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import type { AuditEventInput } from '../audit/audit-event.js';
import { systemClock } from '../base/clock.js';
import { silentLogger } from '../base/logger.js';
import { KeychainSecretStore } from '../secrets/keychain-store.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import { parseAccountId } from './provider-config.js';
import { ProviderService } from './provider-service.js';
import { TokenStore } from './token-store.js';

const ACCOUNT = parseAccountId('corp');
const kc = await keychainAvailability();
const lock = keyringLockAvailability();
const reason = !kc.available ? kc.reason : lock.reason;
if (!kc.available || !lock.available) console.warn(`skipping locked-keychain refresh tests: ${reason}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe.skipIf(!kc.available || !lock.available)(
  'refresh with a locked keychain (real gnome-keyring locked over D-Bus, real oidc-provider)',
  () => {
    const cleanups: (() => unknown)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function setup() {
      const as: OidcTestProvider = await startOidcTestProvider({ accessTokenTtlS: 9 });
      const dir = makeTempDir();
      const secrets = new KeychainSecretStore(uniqueKeychainService());
      const audit: AuditEventInput[] = [];
      const service = new ProviderService({
        providers: {
          corp: { issuer: as.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES, resource: TEST_RESOURCE },
        },
        secrets,
        dataDir: dir.path,
        audit: { record: (e) => audit.push(e) },
        clock: systemClock,
        logger: silentLogger(),
        redactor: new SecretRedactor(),
        sleep: fastSleep,
        refreshAheadMs: 2500,
        retry: { initialMs: 200, maxMs: 800 },
      });
      cleanups.push(
        () => as.close(),
        () => dir.remove(),
        async () => {
          await unlockKeyring();
          await service.store.delete(ACCOUNT).catch(() => undefined);
        },
        () => service.refresher.stop(),
      );
      await signInByDevice(service, 'corp');
      /** What a restarted broker would find in the keychain. */
      const stored = () => new TokenStore(secrets, dir.path).load(ACCOUNT);
      const refreshTokensSent = () =>
        as.tokenRequests('refresh_token').map((r) => r.params['refresh_token'] as string);
      return { as, service, audit, stored, refreshTokensSent };
    }

    it('REL-1 keychain locked just as the provider answers a refresh: the rotated set is held, stored after unlock, never replayed', async () => {
      const { as, service, audit, stored, refreshTokensSent } = await setup();
      const first = await stored();
      let locked = false;
      as.observe((request) => {
        if (!locked && request.path === '/token' && request.params['grant_type'] === 'refresh_token') {
          locked = true;
          lockKeyring(); // before the answer leaves the provider
        }
      });
      await until('the scheduled refresh', () => locked);
      await sleep(1500);
      // Tool calls go on with the new access token, held in memory; no second refresh is sent.
      const held = await service.refresher.accessToken('corp');
      expect(held).not.toBe(first?.accessToken);
      expect(service.store.metadata('corp')?.status).toBe('ok');
      expect(
        audit.some((e) => e.type === 'token.refresh_failed' && e.errorCode === 'SECRET_STORE_UNAVAILABLE'),
      ).toBe(true);
      await unlockKeyring();
      // The save is retried with backoff and lands; a restarted broker finds the rotated set.
      await until('the held set to be stored', async () => (await stored())?.accessToken === held);
      const onDisk = await stored();
      expect(onDisk?.refreshToken).not.toBe(first?.refreshToken);
      // The family is intact: the stored refresh token works, and none was ever sent twice.
      await service.refresher.refresh('corp');
      expect(service.store.metadata('corp')?.status).toBe('ok');
      const sent = refreshTokensSent();
      expect(new Set(sent).size).toBe(sent.length);
      expect(sent).toContain(onDisk?.refreshToken);
      expect(JSON.stringify(audit)).not.toContain(onDisk?.refreshToken);
    }, 30_000);

    it('REL-1 keychain locked when a refresh falls due: nothing is lost, the account refreshes after unlock', async () => {
      const { as, service, audit, stored, refreshTokensSent } = await setup();
      const first = await stored();
      lockKeyring();
      await sleep(7500); // due after 6.5–7 s, valid for 9 s: the refresh waits for the keychain
      expect(as.tokenRequests('refresh_token')).toHaveLength(0);
      expect(audit.some((e) => e.errorCode === 'SECRET_STORE_UNAVAILABLE')).toBe(true); // it tried
      expect(await service.refresher.accessToken('corp')).toBe(first?.accessToken);
      await sleep(2500); // expired after 9 s: refreshed, and the new set held in memory
      const whileLocked = await service.refresher.accessToken('corp');
      expect(whileLocked).not.toBe(first?.accessToken);
      await unlockKeyring();
      await until('a refresh that is stored', async () => {
        const now = await stored();
        return now !== undefined && now.refreshToken !== first?.refreshToken;
      });
      expect((await stored())?.accessToken).toBe(whileLocked);
      expect(service.store.metadata('corp')?.status).toBe('ok');
      await service.refresher.refresh('corp');
      expect(service.store.metadata('corp')?.status).toBe('ok');
      const sent = refreshTokensSent();
      expect(new Set(sent).size).toBe(sent.length); // no refresh token was ever replayed
      expect((await stored())?.refreshToken).toBe((await service.store.load(ACCOUNT))?.refreshToken);
    }, 30_000);
  },
);
