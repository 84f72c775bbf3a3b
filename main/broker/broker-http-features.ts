import type { AuditLog } from './audit/audit-log.js';
import type { AccessTokenVerifier } from './authz/access-token.js';
import { attachAuthorizationServer, type AuthorizationServer } from './authz/authorization-server.js';
import type { Clock } from './base/clock.js';
import type { Logger } from './base/logger.js';
import { BROKER_VERSION } from './base/version.js';
import type { CoreServices } from './broker-services.js';
import type { BrokerConfig } from './config/config-schema.js';
import { mountProtectedResource, type ProtectedResource } from './mcp-http/protected-resource.js';
import type { LoopbackHttp } from './net/loopback-http.js';
import type { SecretRedactor } from './secrets/secret-redactor.js';
import type { SecretStore } from './secrets/secret-store.js';
import type { BrokerInfo } from './window/broker-api-core.js';
import { type BrowserUi, openBrowserUi } from './window/browser-ui.js';
import { clientsFeature, providersFeature } from './window/feature-adapters.js';

export interface HttpFeaturesDeps {
  http: LoopbackHttp;
  services: CoreServices;
  config: BrokerConfig;
  configPath: string;
  dataDir: string;
  store: SecretStore;
  audit: AuditLog;
  logger: Logger;
  clock: Clock;
  /** Scrubs known secrets from error messages the window's API sends (SEC-5). */
  redactor: SecretRedactor;
  /** The broker's own part of its status, shown by the window. */
  brokerInfo: () => BrokerInfo;
  /** Replaces the authorization server's verifier on `/mcp` and `/ws` (tests). */
  accessTokenVerifier?: AccessTokenVerifier | undefined;
  /** TEST ONLY: let the authorization server fetch `http://127.0.0.1…` client metadata documents. */
  allowLoopbackClientDocuments: boolean;
}

export interface HttpFeatures {
  /** The broker's OAuth authorization server for HTTP MCP clients (issue #4); its verifier guards `/mcp`. */
  authz: AuthorizationServer;
  /** `/mcp` and `/ws` as an OAuth protected resource (issue #4). */
  resource: ProtectedResource;
  /** The window's API (Electron, in-process) and browser mode at `/ui/` (issue #6). */
  ui: BrowserUi;
}

/** Mounts the authorization server, the protected `/mcp` + `/ws` endpoints and the window on `http`. */
export async function attachHttpFeatures(deps: HttpFeaturesDeps): Promise<HttpFeatures> {
  const { http, services, config, store, audit, logger, clock } = deps;
  const { gateway, providers, remote } = services;
  const enabled = [...Object.entries(config.servers), ...Object.entries(config.remoteServers)]
    .filter(([, server]) => server.enabled)
    .map(([name]) => name);
  const authz = await attachAuthorizationServer({
    ...{ http, store, audit, logger, clock, dataDir: deps.dataDir, servers: enabled },
    allowLoopbackClientDocuments: deps.allowLoopbackClientDocuments,
  });
  const resource = mountProtectedResource({
    ...{ http, gateway, audit, logger, version: BROKER_VERSION },
    verifier: deps.accessTokenVerifier ?? authz.verifier,
  });
  const ui = openBrowserUi({
    ...{ http, servers: gateway, store, audit, config, logger, clock, brokerInfo: deps.brokerInfo },
    ...{ configPath: deps.configPath, dataDir: deps.dataDir, consents: authz.pendingConsents },
    redactor: deps.redactor,
  });
  if (Object.keys(config.providers).length > 0) {
    ui.api.features.providers = providersFeature(providers, config.providers, clock);
  }
  ui.api.features.clients = clientsFeature(authz.clients, authz.apiKeys);
  ui.api.features.consents = authz.pendingConsents;
  ui.api.features.remoteServers = remote.feature();
  ui.api.features.serverLogs = services.serverLogs;
  return { authz, resource, ui };
}
