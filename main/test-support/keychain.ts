import { randomBytes } from 'node:crypto';

import { messageOf } from '../broker/base/errors.js';
import { KeychainSecretStore } from '../broker/secrets/keychain-store.js';

/** How long the probe waits: a locked keyring may sit on an unlock prompt nobody will answer. */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * A keychain service name no other test (or person) uses, so parallel test files never see each
 * other's items: `mcp-auth-broker-test-<12 hex>`.
 */
export function uniqueKeychainService(): string {
  return `mcp-auth-broker-test-${randomBytes(6).toString('hex')}`;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(what));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

async function roundTrip(store: KeychainSecretStore): Promise<void> {
  const value = randomBytes(8).toString('hex');
  await store.set('probe', value);
  try {
    if ((await store.get('probe')) !== value) throw new Error('the keychain returned a different value');
  } finally {
    await store.delete('probe');
  }
}

/**
 * Whether the real OS keychain works here: sets, reads back and deletes a probe item under a unique
 * service. Keychain tests run only when it does, and print `reason` when they are skipped:
 *
 * ```ts
 * const kc = await keychainAvailability();
 * if (!kc.available) console.warn('skipping keychain tests: ' + kc.reason);
 * describe.skipIf(!kc.available)('…', …);
 * ```
 */
export async function keychainAvailability(): Promise<{ available: boolean; reason: string }> {
  const store = new KeychainSecretStore(uniqueKeychainService());
  try {
    await withTimeout(
      roundTrip(store),
      PROBE_TIMEOUT_MS,
      `the keychain did not answer within ${String(PROBE_TIMEOUT_MS / 1000)} s (locked, waiting for an unlock prompt?)`,
    );
    return { available: true, reason: `${store.description} answered a set/get/delete probe` };
  } catch (error) {
    const hint =
      process.platform === 'linux'
        ? 'no usable Secret Service on the session bus — run the tests via `npm test` (or ' +
          '`node scripts/with-keyring.js npx vitest run`), which starts a private unlocked gnome-keyring; ' +
          'install it with `apt-get install gnome-keyring dbus-daemon`'
        : 'the OS keychain is not usable for this user';
    return {
      available: false,
      reason: `${hint}. Probe error: ${messageOf(error).split('. To fix it')[0] ?? ''}`,
    };
  }
}
