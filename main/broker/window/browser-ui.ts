import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { AuditSink } from '../audit/audit-event.js';
import type { Clock } from '../base/clock.js';
import type { Logger } from '../base/logger.js';
import type { BrokerConfig } from '../config/config-schema.js';
import type { LoopbackHttp } from '../net/loopback-http.js';
import { dataDirPath } from '../runtime/paths.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import type { SecretStore } from '../secrets/secret-store.js';
import {
  type BrokerApiCore,
  type BrokerInfo,
  createBrokerApiCore,
  type ServersPort,
} from './broker-api-core.js';
import { mountBrowserMode } from './browser-mode.js';
import { type ConsentSource, withConsentEvents } from './consent-events.js';
import { UiSessions } from './ui-session.js';

/** The broker's window API (used by the Electron shell in-process) and browser mode's login links. */
export interface BrowserUi {
  api: BrokerApiCore;
  /** A fresh one-time login link `http://127.0.0.1:<port>/ui/login?token=…` (works once, 5 minutes). */
  loginUrl(): string;
  close(): void;
}

export interface BrowserUiDeps {
  http: LoopbackHttp;
  /** Scrubs known secrets from the API's error messages (SEC-5); none in tests that have none. */
  redactor?: SecretRedactor;
  /** The running servers (the gateway), through the few calls the window makes. */
  servers: ServersPort;
  store: SecretStore;
  audit: AuditSink;
  config: BrokerConfig;
  configPath: string;
  dataDir: string;
  logger: Logger;
  clock: Clock;
  /** The broker's own part of its status, shown in the window. */
  brokerInfo: () => BrokerInfo;
  /** Consent pages the authorization server shows; they become `consent` live events. */
  consents?: ConsentSource;
}

/** `bin/mcp-auth-broker.js` of this installation, from both `dist/` and the sources. */
export function defaultCliScript(): string {
  const up = fileURLToPath(new URL('../../../', import.meta.url));
  return join(up.replace(/[\\/]dist[\\/]?$/, ''), 'bin', 'mcp-auth-broker.js');
}

/** Builds the API on top of the running core and mounts browser mode on its loopback router. */
export function openBrowserUi(deps: BrowserUiDeps): BrowserUi {
  const sessions = new UiSessions(deps.clock);
  const core = createBrokerApiCore({
    servers: deps.servers,
    store: deps.store,
    audit: deps.audit,
    auditDir: dataDirPath(deps.dataDir, 'audit'),
    configPath: deps.configPath,
    dataDir: deps.dataDir,
    entries: deps.config.servers,
    brokerInfo: deps.brokerInfo,
    cliScript: defaultCliScript(),
    clock: deps.clock,
  });
  const api = withConsentEvents(core, deps.consents);
  const { redactor } = deps;
  mountBrowserMode({
    ...{ http: deps.http, api, sessions, logger: deps.logger },
    ...(redactor ? { redact: (text: string) => redactor.redact(text) } : {}),
  });
  return {
    api,
    loginUrl: () => `${deps.http.url}/ui/login?token=${sessions.issueLoginToken()}`,
    close: () => api.close(),
  };
}
