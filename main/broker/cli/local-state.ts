import { existsSync } from 'node:fs';

import { openAuditKeyingOrWarn } from '../audit/audit-anchor.js';
import { AuditLog } from '../audit/audit-log.js';
import { systemClock } from '../base/clock.js';
import { isBrokerError } from '../base/errors.js';
import { loadConfigFile } from '../config/config-file.js';
import { type BrokerConfig, ConfigSchema } from '../config/config-schema.js';
import { acquireInstanceLock } from '../runtime/instance-lock.js';
import { dataDirPath, type Locations } from '../runtime/paths.js';
import { openSecretStore } from '../secrets/open-secret-store.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import type { SecretStore } from '../secrets/secret-store.js';

/** What a CLI command acting without a running broker gets: the config, store and audit log. */
export interface LocalState {
  config: BrokerConfig;
  store: SecretStore;
  audit: AuditLog;
  redactor: SecretRedactor;
}

/**
 * Runs `fn` against the store and audit log directly, holding the broker lock the whole time, so a
 * command never races a broker (one owner of secrets, tokens and the audit log at a time).
 */
export async function withLocalState<T>(where: Locations, fn: (state: LocalState) => Promise<T>): Promise<T> {
  const config = existsSync(where.configPath) ? loadConfigFile(where.configPath) : ConfigSchema.parse({});
  const lock = acquireInstanceLock(where.dataDir, 'cli');
  try {
    const redactor = new SecretRedactor();
    const store = openSecretStore(config.secretStore, where.dataDir);
    const keying = await openAuditKeyingOrWarn(store, dataDirPath(where.dataDir, 'audit'));
    const audit = AuditLog.open({
      ...{ dir: dataDirPath(where.dataDir, 'audit'), maxFileBytes: config.audit.maxFileBytes },
      ...{ clock: systemClock, redactor, ...(keying ? { keying } : {}) },
    });
    try {
      return await fn({ config, store, audit, redactor });
    } finally {
      await audit.flushAnchor();
      audit.close();
    }
  } finally {
    lock.release();
  }
}

/** Through the running broker when there is one (`remote`), else `local` (BROKER_UNREACHABLE only). */
export async function viaBrokerOr<T>(remote: () => Promise<T>, local: () => Promise<T>): Promise<T> {
  try {
    return await remote();
  } catch (error) {
    if (!isBrokerError(error, 'BROKER_UNREACHABLE')) throw error;
    return local();
  }
}
