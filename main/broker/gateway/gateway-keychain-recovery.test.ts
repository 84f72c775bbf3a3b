import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import { keychainAvailability, uniqueKeychainService } from '../../test-support/keychain.js';
import { keyringLockAvailability, lockKeyring, unlockKeyring } from '../../test-support/keyring-lock.js';
import type { AuditEventInput } from '../audit/audit-event.js';
import { systemClock } from '../base/clock.js';
import { silentLogger } from '../base/logger.js';
import { StdioServerSchema } from '../config/config-schema.js';
import { KeychainSecretStore } from '../secrets/keychain-store.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import { Gateway } from './gateway.js';

const FIXTURE = fileURLToPath(new URL('../../test-support/fixture-server.mjs', import.meta.url));
const kc = await keychainAvailability();
const lock = keyringLockAvailability();
const reason = !kc.available ? kc.reason : lock.reason;
if (!kc.available || !lock.available) console.warn(`skipping locked-keychain gateway tests: ${reason}`);

describe.skipIf(!kc.available || !lock.available)(
  'servers and a locked keychain (real gnome-keyring)',
  () => {
    let gateway: Gateway | undefined;
    const store = new KeychainSecretStore(uniqueKeychainService());
    afterEach(async () => {
      await gateway?.stop();
      gateway = undefined;
      await unlockKeyring();
      await store.delete('gh-token');
    });

    it('REL-6 a server that crashed while the keychain was locked starts again by itself after unlock', async () => {
      await store.set('gh-token', 'keychain-value-5e1f');
      const audit: AuditEventInput[] = [];
      gateway = new Gateway({
        servers: {
          github: StdioServerSchema.parse({
            command: process.execPath,
            args: [FIXTURE],
            env: { TOKEN: { secret: 'gh-token' } },
          }),
        },
        secrets: store,
        audit: { record: (event) => audit.push(event) },
        logger: silentLogger(),
        clock: systemClock,
        redactor: new SecretRedactor(),
        timing: { initialMs: 100, maxMs: 400, startWaitMs: 5000, startTimeoutMs: 5000 },
      });
      await gateway.start();
      expect(gateway.status()[0]?.state).toBe('running');
      lockKeyring();
      await gateway.callTool('github__crash', {}, { client: 'test' }).catch(() => undefined);
      await expect.poll(() => gateway?.status()[0]?.state, { timeout: 5000 }).toBe('failed');
      expect(gateway.status()[0]?.lastError).toMatch(/keychain/i);
      expect(audit).toContainEqual(
        expect.objectContaining({ type: 'server.start_failed', errorCode: 'SECRET_STORE_UNAVAILABLE' }),
      );
      await unlockKeyring();
      await expect.poll(() => gateway?.status()[0]?.state, { timeout: 5000, interval: 100 }).toBe('running');
    }, 20_000);
  },
);
