import type { AuditLog } from './audit/audit-log.js';
import type { Clock } from './base/clock.js';
import type { Logger } from './base/logger.js';
import type { BrokerConfig } from './config/config-schema.js';
import { Gateway } from './gateway/gateway.js';
import { wireLiveRotation } from './providers/credential-rotation.js';
import { ProviderService } from './providers/provider-service.js';
import { dataDirPath } from './runtime/paths.js';
import type { SecretRedactor } from './secrets/secret-redactor.js';
import type { SecretStore } from './secrets/secret-store.js';
import { RemoteServers } from './upstream-oauth/remote-servers.js';
import { ServerLogs } from './upstreams/server-logs.js';

export interface CoreServicesDeps {
  config: BrokerConfig;
  store: SecretStore;
  audit: AuditLog;
  logger: Logger;
  clock: Clock;
  redactor: SecretRedactor;
  dataDir: string;
  /** TEST ONLY: let remote servers use an `http://127.0.0.1…` client ID metadata document URL. */
  allowLoopbackClientMetadataUrl: boolean;
}

export interface CoreServices {
  gateway: Gateway;
  /** Provider accounts, tokens and their one refresher (issue #3). */
  providers: ProviderService;
  /** Remote MCP servers and their authorization (issue #5). */
  remote: RemoteServers;
  /** Stdio servers' stderr on disk (issue 15 point 3). */
  serverLogs: ServerLogs;
  /** Undoes the wiring between them (live rotation, remote sign-in hooks). */
  unwire: () => void;
}

/**
 * The servers side of the broker: the gateway over stdio and remote upstreams, provider sign-in and
 * the one token refresher, live rotation (a refreshed token restarts the servers holding it), and the
 * remote servers' authorization. Nothing is started here; `startCoreServices` does that.
 */
export function createCoreServices(deps: CoreServicesDeps): CoreServices {
  const { config, store: secrets, audit, logger, clock, redactor } = deps;
  const remote = new RemoteServers({
    ...{ servers: config.remoteServers, secrets, audit, logger },
    allowLoopbackClientMetadataUrl: deps.allowLoopbackClientMetadataUrl,
  });
  const providers = new ProviderService({
    ...{ providers: config.providers, secrets, dataDir: deps.dataDir, audit, clock, logger, redactor },
    extraProvider: (id) => remote.authorizations.provider(id),
  });
  const serverLogs = new ServerLogs(dataDirPath(deps.dataDir, 'serverLogs'), redactor);
  const gateway = new Gateway({
    ...{ servers: config.servers, secrets, credentials: providers.refresher, serverLogs },
    ...{ audit, logger, clock, redactor },
    extraUpstreams: (upstreamDeps) => remote.upstreams(upstreamDeps, providers),
  });
  const unwireRotation = wireLiveRotation(providers.refresher, gateway, logger);
  const unwireRemote = remote.attach(gateway, providers);
  return {
    gateway,
    providers,
    remote,
    serverLogs,
    unwire: () => {
      unwireRemote();
      unwireRotation();
    },
  };
}

/** Starts refreshing and the servers; waits up to `waitMs` for them (they keep starting after). */
export async function startCoreServices(services: CoreServices, waitMs: number): Promise<void> {
  services.providers.refresher.start();
  await Promise.race([
    services.gateway.start(),
    new Promise((resolve) => setTimeout(resolve, waitMs).unref()),
  ]);
}
