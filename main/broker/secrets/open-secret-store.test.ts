import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { makeTempDir } from '../../test-support/temp-dir.js';
import { SecretStoreConfigSchema } from '../config/config-schema.js';
import { EncryptedFileSecretStore } from './encrypted-file-store.js';
import { KeychainSecretStore } from './keychain-store.js';
import { openSecretStore, probeSecretStore } from './open-secret-store.js';
import type { SecretStore } from './secret-store.js';

const ENV_WITH_PASSPHRASE = { MCP_AUTH_BROKER_PASSPHRASE: 'pass phrase' };

function filePathOf(store: SecretStore): string {
  if (!(store instanceof EncryptedFileSecretStore)) throw new Error(`not a file store: ${store.description}`);
  return store.path;
}

describe('openSecretStore', () => {
  let dir: { path: string; remove: () => void };
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => {
    dir.remove();
  });

  it('opens the OS keychain by default, even when a passphrase is set', () => {
    const config = SecretStoreConfigSchema.parse({ type: 'keychain' });
    const store = openSecretStore(config, dir.path, ENV_WITH_PASSPHRASE);
    expect(store).toBeInstanceOf(KeychainSecretStore);
    expect(store.description).toBe('OS keychain (service "mcp-auth-broker")');
    expect(openSecretStore({ type: 'keychain', service: 'other' }, dir.path, {}).description).toContain(
      '"other"',
    );
  });

  it('opens the encrypted file in the data dir when the config chooses it', async () => {
    const store = openSecretStore({ type: 'encrypted-file' }, dir.path, ENV_WITH_PASSPHRASE);
    expect(store).toBeInstanceOf(EncryptedFileSecretStore);
    const expected = join(dir.path, 'secrets.enc.json');
    expect(filePathOf(store)).toBe(expected);
    await store.set('api-key', 'v');
    expect(existsSync(expected)).toBe(true);
    const again = openSecretStore({ type: 'encrypted-file' }, dir.path, ENV_WITH_PASSPHRASE);
    expect(await again.get('api-key')).toBe('v');
  });

  it('uses the configured path; a relative one is taken from the data dir', () => {
    const absolute = join(dir.path, 'elsewhere', 'mine.json');
    const a = openSecretStore({ type: 'encrypted-file', path: absolute }, dir.path, ENV_WITH_PASSPHRASE);
    expect(filePathOf(a)).toBe(absolute);
    const r = openSecretStore({ type: 'encrypted-file', path: 'sub/s.json' }, dir.path, ENV_WITH_PASSPHRASE);
    expect(filePathOf(r)).toBe(join(dir.path, 'sub', 's.json'));
  });

  it('explains a missing or empty MCP_AUTH_BROKER_PASSPHRASE', () => {
    for (const env of [{}, { MCP_AUTH_BROKER_PASSPHRASE: '' }]) {
      expect(() => openSecretStore({ type: 'encrypted-file' }, dir.path, env)).toThrow(
        expect.objectContaining({
          code: 'SECRET_PASSPHRASE_MISSING',
          message: expect.stringContaining('Set MCP_AUTH_BROKER_PASSPHRASE') as unknown,
        }),
      );
    }
  });
});

describe('probeSecretStore', () => {
  let dir: { path: string; remove: () => void };
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => {
    dir.remove();
  });

  it('passes for a usable store and surfaces the store error for an unusable one', async () => {
    const path = join(dir.path, 's.json');
    const good = new EncryptedFileSecretStore({ path, passphrase: 'right' });
    await good.set('api-key', 'v');
    await expect(probeSecretStore(good)).resolves.toBeUndefined();

    const wrong = new EncryptedFileSecretStore({ path, passphrase: 'wrong' });
    await expect(probeSecretStore(wrong)).rejects.toMatchObject({ code: 'SECRET_FILE_CORRUPT' });
  });
});
