import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { obtainTokens, startTestAuthzServer } from '../../test-support/authz-test-kit.js';
import { keychainAvailability, uniqueKeychainService } from '../../test-support/keychain.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import { KeychainSecretStore } from '../secrets/keychain-store.js';
import { AUTHZ_KEYS_SECRET, loadAuthzKeys } from './authz-keys.js';

const keychain = await keychainAvailability();
if (!keychain.available) console.warn(`skipping the keychain-backed authz key test: ${keychain.reason}`);

function filesUnder(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

describe('authorization server keys', () => {
  it('generates keys for this run only when there is no store', async () => {
    const a = await loadAuthzKeys(undefined);
    const b = await loadAuthzKeys(undefined);
    expect(a.signingJwk.kid).not.toBe(b.signingJwk.kid);
    expect(a.signingJwk.d).toEqual(expect.any(String));
    expect(a.stateKey).toHaveLength(32);
  });

  it.skipIf(!keychain.available)(
    'keeps the signing, cookie and state keys in the real OS keychain and never in a file',
    async () => {
      const store = new KeychainSecretStore(uniqueKeychainService());
      const home = makeTempDir('mab-authz-kc-');
      try {
        const srv = await startTestAuthzServer({ store, dataDir: home.path });
        const t = await obtainTokens(srv.issuer);
        await srv.close();
        const stored = JSON.parse((await store.get(AUTHZ_KEYS_SECRET)) ?? '{}') as {
          signingJwk: { d: string };
          cookieKey: string;
          stateKey: string;
        };
        const disk = filesUnder(home.path);
        expect(disk).not.toContain(stored.signingJwk.d);
        expect(disk).not.toContain(stored.cookieKey);
        expect(disk).not.toContain(stored.stateKey);
        expect(disk).not.toContain(t.refreshToken);
        const again = await loadAuthzKeys(store);
        expect(again.signingJwk.d).toBe(stored.signingJwk.d);
      } finally {
        await store.delete(AUTHZ_KEYS_SECRET);
        home.remove();
      }
    },
  );
});
