import { afterEach, describe, expect, it } from 'vitest';

import {
  obtainTokens,
  registerConsentPerson,
  tokenRequest,
  windowPerson,
} from '../../test-support/authz-test-kit.js';
import { keychainAvailability, uniqueKeychainService } from '../../test-support/keychain.js';
import { keyringLockAvailability, lockKeyring, unlockKeyring } from '../../test-support/keyring-lock.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import { silentLogger } from '../base/logger.js';
import { authenticateBearer } from '../mcp-http/bearer-auth.js';
import { type LoopbackHttp, startLoopbackHttp } from '../net/loopback-http.js';
import { KeychainSecretStore } from '../secrets/keychain-store.js';
import { attachAuthorizationServer } from './authorization-server.js';
import { AUTHZ_KEYS_SECRET } from './authz-keys.js';

const kc = await keychainAvailability();
const lock = keyringLockAvailability();
const reason = !kc.available ? kc.reason : lock.reason;
if (!kc.available || !lock.available) console.warn(`skipping locked-keychain authz tests: ${reason}`);

describe.skipIf(!kc.available || !lock.available)(
  'authorization server keys with a locked keychain (real gnome-keyring)',
  () => {
    const cleanups: (() => unknown)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function start(store: KeychainSecretStore, dataDir: string, port = 0) {
      const http: LoopbackHttp = await startLoopbackHttp(port, { record: () => undefined }, 'test');
      const as = await attachAuthorizationServer({
        ...{ http, store, dataDir, servers: ['alpha'], logger: silentLogger() },
        audit: { record: () => undefined },
        clock: { now: () => Date.now() },
      });
      const close = async () => {
        http.server.closeAllConnections();
        await new Promise((resolve) => http.server.close(resolve));
      };
      return { http, as, close };
    }

    it('REL-6 a broker started with the keychain locked accepts existing tokens once it is unlocked, and never replaces the keys', async () => {
      const dir = makeTempDir();
      const store = new KeychainSecretStore(uniqueKeychainService());
      cleanups.push(
        () => dir.remove(),
        async () => {
          await unlockKeyring();
          await store.delete(AUTHZ_KEYS_SECRET);
        },
      );
      const first = await start(store, dir.path);
      const port = Number(new URL(first.http.url).port);
      cleanups.push(registerConsentPerson(first.http.url, windowPerson(first.as.pendingConsents)));
      const tokens = await obtainTokens(first.http.url);
      await first.as.verifier.verify(tokens.accessToken);
      await first.close();
      const keys = await store.get(AUTHZ_KEYS_SECRET);

      lockKeyring();
      const second = await start(store, dir.path, port);
      cleanups.push(() => second.close());
      await expect(second.as.verifier.verify(tokens.accessToken)).rejects.toThrow(/keychain/);
      // Clients are told to come back (503 + Retry-After), not that their tokens are bad.
      const refresh = {
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken,
        client_id: tokens.clientId,
        resource: `${second.http.url}/mcp`,
      };
      const mcp = `${second.http.url}/mcp`;
      const bearer = () =>
        authenticateBearer(`Bearer ${tokens.accessToken}`, new URL(mcp), {
          verifier: second.as.verifier,
          resource: mcp,
          challengeScopes: () => ['mcp:servers:alpha'],
          now: () => Date.now() / 1000,
        });
      expect(await bearer()).toMatchObject({ ok: false, denial: { status: 503 } });
      const whileLocked = await tokenRequest(second.http.url, refresh);
      expect(whileLocked.status).toBe(503);
      expect(whileLocked.headers.get('retry-after')).toBe('5');
      expect(whileLocked.body['error']).toBe('temporarily_unavailable');
      await unlockKeyring();
      // Retried with backoff: within seconds the stored keys and state are in use.
      await expect
        .poll(
          () =>
            second.as.verifier.verify(tokens.accessToken).then(
              () => 'accepted',
              () => 'refused',
            ),
          {
            timeout: 10_000,
            interval: 200,
          },
        )
        .toBe('accepted');
      expect(await bearer()).toMatchObject({ ok: true });
      expect(await store.get(AUTHZ_KEYS_SECRET)).toBe(keys);
      expect(second.as.persistent).toBe(true);
      const refreshed = await tokenRequest(second.http.url, refresh);
      expect(refreshed.status).toBe(200);
    }, 40_000);
  },
);
