import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

import { messageOf } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import { openSecretStore } from '../secrets/open-secret-store.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { writeConfigFile } from './config-file.js';
import { DEMO_SECRET_NAME, demoConfig } from './demo-config.js';

/**
 * First run: with no config file, writes the demo config and, where a keychain is available, a random
 * `demo-token` secret for the demo server to prove it received. Without a keychain the demo runs
 * without it (its secret reference is optional).
 */
export async function ensureFirstRunConfig(
  path: string,
  dataDir: string,
  injected: SecretStore | undefined,
  logger: Logger,
): Promise<void> {
  if (existsSync(path)) return;
  writeConfigFile(path, demoConfig());
  logger.info({ path }, 'created a default config with the demo server');
  try {
    const store = injected ?? openSecretStore({ type: 'keychain', service: 'mcp-auth-broker' }, dataDir);
    if ((await store.get(DEMO_SECRET_NAME)) === undefined) {
      await store.set(DEMO_SECRET_NAME, `demo-${randomBytes(18).toString('base64url')}`);
    }
  } catch (error) {
    logger.warn({ err: messageOf(error) }, 'demo secret not created; the demo server runs without it');
  }
}
