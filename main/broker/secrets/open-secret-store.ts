import { resolve } from 'node:path';

import { BrokerError } from '../base/errors.js';
import type { SecretStoreConfig } from '../config/config-schema.js';
import { dataDirPath } from '../runtime/paths.js';
import { EncryptedFileSecretStore } from './encrypted-file-store.js';
import { KeychainSecretStore } from './keychain-store.js';
import type { SecretStore } from './secret-store.js';

/** Environment variable that carries the encrypted file store's passphrase. */
export const PASSPHRASE_ENV = 'MCP_AUTH_BROKER_PASSPHRASE';

/**
 * The secret store the config asks for. The OS keychain is the default; the encrypted file is used
 * only when the config says `"secretStore": {"type": "encrypted-file"}` — never as a silent fallback
 * when the keychain is missing. Its file is `config.path` (a relative path is taken from `dataDir`)
 * or `<dataDir>/secrets.enc.json`, and its passphrase is read from MCP_AUTH_BROKER_PASSPHRASE.
 *
 * Opening touches neither the keychain nor the file; call `probeSecretStore` to fail early.
 *
 * @throws BrokerError `SECRET_PASSPHRASE_MISSING` when the encrypted file is chosen and the variable is
 *   unset or empty.
 */
export function openSecretStore(
  config: SecretStoreConfig,
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): SecretStore {
  if (config.type === 'keychain') return new KeychainSecretStore(config.service);
  const path =
    config.path === undefined ? dataDirPath(dataDir, 'secretsFile') : resolve(dataDir, config.path);
  const passphrase = env[PASSPHRASE_ENV];
  if (passphrase === undefined || passphrase.length === 0) {
    throw new BrokerError(
      'SECRET_PASSPHRASE_MISSING',
      `The config chooses the encrypted file secret store (${path}), but ${PASSPHRASE_ENV} is not set. ` +
        `Set ${PASSPHRASE_ENV} to the file's passphrase in the broker's environment (choose a new one if ` +
        `the file does not exist yet), or remove "secretStore" from the config to use the OS keychain.`,
    );
  }
  return new EncryptedFileSecretStore({ path, passphrase });
}

/**
 * Lists the store once so a missing keychain, a wrong passphrase or a corrupt file surfaces at start-up
 * with the store's own explanatory error, instead of at the first tool call that needs a secret.
 *
 * @throws BrokerError `SECRET_STORE_UNAVAILABLE` or `SECRET_FILE_CORRUPT` from the store.
 */
export async function probeSecretStore(store: SecretStore): Promise<void> {
  await store.list();
}
