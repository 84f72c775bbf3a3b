import { join } from 'node:path';

import type { ApiOutput, ConnectTarget } from '../../contract/window-api.js';
import type { Clock } from '../base/clock.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { ClientBackups } from './client-backups.js';
import {
  type ClientSetupDeps,
  clientStates,
  installClient,
  type InstallOutcome,
  type InstallRequest,
  uninstallClient,
  type UninstallOutcome,
} from './client-install.js';
import { brokerEndpoints, type BrokerWhere, type ConnectEnv, currentConnectEnv } from './connect-env.js';

/** Installing into MCP clients, as the window, the control socket and the CLI use it. */
export interface ClientSetup {
  info(): ApiOutput<'getConnectInfo'>;
  install(request: InstallRequest): Promise<InstallOutcome>;
  uninstall(client: ConnectTarget): Promise<UninstallOutcome>;
}

export interface ClientSetupOptions extends Omit<BrokerWhere, 'brokerUrl'> {
  /** The broker's HTTP origin now (the port may be chosen at start). */
  brokerUrl: () => string;
  cliScript: string;
  store: SecretStore;
  clock: Clock;
  brokerServers: () => ReadonlySet<string>;
  env?: ConnectEnv;
}

export function createClientSetup(options: ClientSetupOptions): ClientSetup {
  const env = options.env ?? currentConnectEnv();
  const backups = new ClientBackups(join(options.dataDir, 'client-backups'), options.store, options.clock);
  const deps = (): ClientSetupDeps => {
    const where = { ...options, brokerUrl: options.brokerUrl() };
    const endpoints = brokerEndpoints(options.cliScript, where, env);
    return { env, endpoints, backups, dataDir: options.dataDir, brokerServers: options.brokerServers };
  };
  return {
    info: () => {
      const d = deps();
      return { mcpUrl: d.endpoints.mcpUrl, targets: clientStates(d) };
    },
    install: (request) => installClient(deps(), request),
    uninstall: (client) => uninstallClient(deps(), client),
  };
}
