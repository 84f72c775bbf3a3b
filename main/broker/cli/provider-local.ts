import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AuditLog } from '../audit/audit-log.js';
import { systemClock } from '../clock.js';
import { loadConfigFile } from '../config/config-file.js';
import { ConfigSchema } from '../config/config-schema.js';
import { isBrokerError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { ProviderService } from '../providers/provider-service.js';
import { RemoteAuthorizations } from '../remote/remote-authorizations.js';
import { openSecretStore } from '../secrets/open-secret-store.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import { acquireInstanceLock } from '../server/instance-lock.js';
import type { Locations } from './cli-context.js';

/**
 * Runs `fn` with a ProviderService of its own when no broker runs, holding the broker lock the whole
 * time, so that a sign-in or sign-out never races a broker's refresh (one owner at a time).
 */
export async function withLocalProviders<T>(
  where: Locations,
  fn: (service: ProviderService) => Promise<T>,
): Promise<T> {
  const config = existsSync(where.configPath) ? loadConfigFile(where.configPath) : ConfigSchema.parse({});
  const lock = acquireInstanceLock(where.dataDir, 'cli');
  try {
    const redactor = new SecretRedactor();
    const audit = AuditLog.open({
      dir: join(where.dataDir, 'audit'),
      maxFileBytes: config.audit.maxFileBytes,
      clock: systemClock,
      redactor,
    });
    const secrets = openSecretStore(config.secretStore, where.dataDir);
    const remote = new RemoteAuthorizations({ servers: config.remoteServers, secrets, audit });
    const service = new ProviderService({
      providers: config.providers,
      secrets,
      extraProvider: (id) => remote.provider(id),
      dataDir: where.dataDir,
      audit,
      clock: systemClock,
      logger: silentLogger(),
      redactor,
    });
    try {
      return await fn(service);
    } finally {
      service.refresher.stop();
      audit.close();
    }
  } finally {
    lock.release();
  }
}

/** Through the running broker when there is one, else locally with the lock held. */
export async function viaBrokerOrLocalProviders<T>(
  where: Locations,
  remote: () => Promise<T>,
  local: (service: ProviderService) => Promise<T>,
): Promise<T> {
  try {
    return await remote();
  } catch (error) {
    if (!isBrokerError(error, 'BROKER_UNREACHABLE')) throw error;
    return withLocalProviders(where, local);
  }
}
