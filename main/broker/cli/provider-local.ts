import { systemClock } from '../base/clock.js';
import { silentLogger } from '../base/logger.js';
import { ProviderService } from '../providers/provider-service.js';
import type { Locations } from '../runtime/paths.js';
import { RemoteAuthorizations } from '../upstream-oauth/remote-authorizations.js';
import { viaBrokerOr, withLocalState } from './local-state.js';

/**
 * Runs `fn` with a ProviderService of its own when no broker runs, holding the broker lock the whole
 * time, so that a sign-in or sign-out never races a broker's refresh (one owner at a time).
 */
export function withLocalProviders<T>(
  where: Locations,
  fn: (service: ProviderService) => Promise<T>,
): Promise<T> {
  return withLocalState(where, async ({ config, store: secrets, audit, redactor }) => {
    const remote = new RemoteAuthorizations({ servers: config.remoteServers, secrets, audit });
    const service = new ProviderService({
      ...{ providers: config.providers, secrets, dataDir: where.dataDir, audit, redactor },
      ...{ clock: systemClock, logger: silentLogger() },
      extraProvider: (id) => remote.provider(id),
    });
    try {
      return await fn(service);
    } finally {
      service.refresher.stop();
    }
  });
}

/** Through the running broker when there is one, else locally with the lock held. */
export function viaBrokerOrLocalProviders<T>(
  where: Locations,
  remote: () => Promise<T>,
  local: (service: ProviderService) => Promise<T>,
): Promise<T> {
  return viaBrokerOr(remote, () => withLocalProviders(where, local));
}
