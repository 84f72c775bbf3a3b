import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, describe, expect, it } from 'vitest';

import { keychainAvailability, uniqueKeychainService } from '../../test-support/keychain.js';
import { keyringLockAvailability, lockKeyring, unlockKeyring } from '../../test-support/keyring-lock.js';
import { keychainFixAdvice, KeychainSecretStore } from './keychain-store.js';

const kc = await keychainAvailability();
if (!kc.available) console.warn(`skipping keychain tests: ${kc.reason}`);

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe.skipIf(!kc.available)('KeychainSecretStore against the real OS keychain', () => {
  const store = new KeychainSecretStore(uniqueKeychainService());

  afterAll(async () => {
    for (const name of await store.list()) await store.delete(name);
  });

  it('sets, reads back, lists and deletes secrets', async () => {
    expect(await store.list()).toEqual([]);
    await store.set('github.token', 'ghp_value-1');
    await store.set('a:first', 'välue with ünïcode ✓ and "quotes"\nand a newline');
    expect(await store.get('github.token')).toBe('ghp_value-1');
    expect(await store.get('a:first')).toBe('välue with ünïcode ✓ and "quotes"\nand a newline');
    expect(await store.list()).toEqual(['a:first', 'github.token']);

    expect(await store.delete('github.token')).toBe(true);
    expect(await store.get('github.token')).toBeUndefined();
    expect(await store.delete('github.token')).toBe(false);
    expect(await store.list()).toEqual(['a:first']);
  });

  it('overwrites a value instead of adding a second item', async () => {
    await store.set('rotating', 'old');
    await store.set('rotating', 'new');
    expect(await store.get('rotating')).toBe('new');
    expect((await store.list()).filter((n) => n === 'rotating')).toHaveLength(1);
  });

  it('answers undefined / false for a secret that was never set', async () => {
    expect(await store.get('never-set')).toBeUndefined();
    expect(await store.delete('never-set')).toBe(false);
  });

  it('keeps services apart', async () => {
    const other = new KeychainSecretStore(uniqueKeychainService());
    await store.set('shared-name', 'mine');
    expect(await other.get('shared-name')).toBeUndefined();
    expect(await other.list()).toEqual([]);
  });
});

const lock = keyringLockAvailability();
if (kc.available && !lock.available) console.warn(`skipping keychain lock test: ${lock.reason}`);

describe.skipIf(!kc.available || !lock.available)('KeychainSecretStore across a lock', () => {
  it('one store keeps reading and writing the same names after the keychain was locked and unlocked', async () => {
    // Entries are reused per name (making one costs a D-Bus session); a failed one must not stick.
    const store = new KeychainSecretStore(uniqueKeychainService());
    try {
      await store.set('reused', 'before');
      lockKeyring();
      await expect(store.set('reused', 'during')).rejects.toMatchObject({
        code: 'SECRET_STORE_UNAVAILABLE',
      });
      await unlockKeyring();
      expect(await store.get('reused')).toBe('before');
      await store.set('reused', 'after');
      expect(await store.get('reused')).toBe('after');
    } finally {
      await unlockKeyring();
      for (const name of await store.list()) await store.delete(name);
    }
  });
});

describe('KeychainSecretStore without any keychain', () => {
  it('validates secret names before touching the keychain', async () => {
    // Refused before any keychain call, so this holds with or without a keychain.
    const store = new KeychainSecretStore(uniqueKeychainService());
    for (const bad of ['', '../etc', 'has space', '-leading-dash', 'x'.repeat(129)]) {
      await expect(store.get(bad)).rejects.toMatchObject({ code: 'SECRET_NAME_INVALID' });
      await expect(store.set(bad, 'v')).rejects.toMatchObject({ code: 'SECRET_NAME_INVALID' });
      await expect(store.delete(bad)).rejects.toMatchObject({ code: 'SECRET_NAME_INVALID' });
    }
  });

  it('describes itself by service', () => {
    expect(new KeychainSecretStore('mcp-auth-broker').description).toBe(
      'OS keychain (service "mcp-auth-broker")',
    );
  });

  it.skipIf(process.platform !== 'linux')(
    'reports SECRET_STORE_UNAVAILABLE with the fix when there is no D-Bus session (child process)',
    async () => {
      const canary = 'canary-secret-value-7f3a';
      const script = `
        const { KeychainSecretStore } = await import('./main/broker/secrets/keychain-store.ts');
        const { probeSecretStore } = await import('./main/broker/secrets/open-secret-store.ts');
        const store = new KeychainSecretStore('mcp-auth-broker-test-unreachable');
        const ops = { list: () => store.list(), set: () => store.set('api-key', ${JSON.stringify(canary)}),
          get: () => store.get('api-key'), delete: () => store.delete('api-key'), probe: () => probeSecretStore(store) };
        const out = {};
        for (const [op, run] of Object.entries(ops)) {
          try { out[op] = { ok: await run() }; } catch (e) { out[op] = { code: e.code, message: e.message }; }
        }
        console.log(JSON.stringify(out));`;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', './scripts/register-ts.js', '--input-type=module', '-e', script],
        { cwd: REPO_ROOT, env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' } },
      );
      const results = JSON.parse(stdout) as Record<string, { ok?: unknown; code?: string; message?: string }>;
      expect(Object.keys(results)).toEqual(['list', 'set', 'get', 'delete', 'probe']);
      for (const result of Object.values(results)) {
        expect(result.code).toBe('SECRET_STORE_UNAVAILABLE');
        expect(result.message).toContain('No OS keychain is reachable');
        expect(result.message).toContain('GNOME Keyring');
        expect(result.message).toContain('"secretStore": {"type": "encrypted-file"}');
        expect(result.message).toContain('MCP_AUTH_BROKER_PASSPHRASE');
        expect(result.message).not.toContain(canary);
      }
      expect(results['set']?.message).toContain('save secret "api-key"');
    },
  );
});

describe('keychainFixAdvice', () => {
  it('names the platform keychain and the encrypted-file alternative', () => {
    expect(keychainFixAdvice('linux')).toContain('Secret Service');
    expect(keychainFixAdvice('darwin')).toContain('login keychain');
    expect(keychainFixAdvice('win32')).toContain('Credential Manager');
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(keychainFixAdvice(platform)).toContain('MCP_AUTH_BROKER_PASSPHRASE');
    }
  });
});
