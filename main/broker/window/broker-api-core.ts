import type { ServerStatus, Status } from '../../contract/status.js';
import type { BrokerApi, BrokerApiHandlers } from '../../contract/window-api.js';
import type { AuditSink } from '../audit/audit-event.js';
import { verifyAuditChain } from '../audit/audit-verify.js';
import type { Clock } from '../base/clock.js';
import { BrokerError } from '../base/errors.js';
import { catalogListing, resolveAddRequest } from '../catalog/add-request.js';
import { addServer } from '../catalog/add-server.js';
import { createClientSetup } from '../client-setup/client-setup.js';
import type { ConnectEnv } from '../client-setup/connect-env.js';
import { recordImport } from '../client-setup/import-provenance.js';
import type { RemoteServerConfig, StdioServerConfig } from '../config/config-schema.js';
import { removeServerEntry, setServerEnabled } from '../config/server-entries.js';
import { planImport } from '../import/import-plan.js';
import { foundServersOf, importOptions } from '../import/import-source.js';
import { runImport } from '../import/run-import.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { exportAudit, queryAudit } from './audit-query.js';
import { type BrokerFeatures, featureHandlers } from './broker-features.js';
import { LiveEvents } from './live-events.js';

/**
 * What the window needs of the running servers: their status and changes, restart, an edited
 * entry swapped in, pause and resume. The gateway provides it; nothing else of it is reachable.
 */
export interface ServersPort {
  status(): ServerStatus[];
  restartServer(name: string): Promise<void>;
  putServer(name: string, config: StdioServerConfig): Promise<void>;
  removeServer(name: string): Promise<boolean>;
  start(): Promise<void>;
  stop(): Promise<void>;
  on(event: 'statusChanged', listener: () => void): unknown;
  off(event: 'statusChanged', listener: () => void): unknown;
}

/** The broker's own part of the status (process, URL, store, clients), from the composition root. */
export type BrokerInfo = Omit<Status['broker'], 'configPath' | 'paused'>;

export interface BrokerApiCoreDeps {
  servers: ServersPort;
  store: SecretStore;
  audit: AuditSink;
  auditDir: string;
  configPath: string;
  dataDir: string;
  /** Server entries as loaded at start; kept current as the UI edits them. */
  entries: Record<string, StdioServerConfig>;
  brokerInfo: () => BrokerInfo;
  /** Absolute path of `bin/mcp-auth-broker.js`, for the Claude Desktop / Cursor entry. */
  cliScript: string;
  clock: Clock;
  connectEnv?: ConnectEnv;
  features?: BrokerFeatures;
}

const OK = { ok: true } as const;

/** The server side of `BrokerApi` plus what the broker needs to manage it. */
export interface BrokerApiCore extends BrokerApiHandlers {
  onEvent: BrokerApi['onEvent'];
  /** Features plugged in later (provider sign-in, approved clients). */
  readonly features: BrokerFeatures;
  close(): void;
}

/**
 * Implements the UI contract on top of the broker core. Inputs arrive already parsed by the
 * transport (IPC or HTTP); every method returns plain JSON data without secret values.
 */
export function createBrokerApiCore(deps: BrokerApiCoreDeps): BrokerApiCore {
  const servers = { ...deps.entries };
  const features: BrokerFeatures = { ...deps.features };
  let paused = false;
  const remote = () => features.remoteServers?.configs() ?? {};
  const status = () => statusOf(deps, servers, remote(), paused);
  const live = new LiveEvents(deps.auditDir, status);
  const onStatus = () => live.statusChanged();
  deps.servers.on('statusChanged', onStatus);
  const clients = createClientSetup({
    ...{ cliScript: deps.cliScript, configPath: deps.configPath, dataDir: deps.dataDir },
    ...{ store: deps.store, clock: deps.clock, brokerUrl: () => deps.brokerInfo().url },
    brokerServers: () => new Set([...Object.keys(servers), ...Object.keys(remote())]),
    ...(deps.connectEnv ? { env: deps.connectEnv } : {}),
  });
  const requireServer = (name: string) => {
    if (!servers[name] && !remote()[name])
      throw new BrokerError('SERVER_NOT_FOUND', `No server named "${name}" in the config.`);
  };

  return {
    features,
    close: () => {
      deps.servers.off('statusChanged', onStatus);
      live.close();
    },
    onEvent: (listener) => live.subscribe(listener),
    getStatus: () => Promise.resolve(status()),
    restartServer: async ({ name }) => {
      requireServer(name);
      await deps.servers.restartServer(name);
      return OK;
    },
    setServerEnabled: async ({ name, enabled }) => {
      requireServer(name);
      const config = setServerEnabled(deps.configPath, name, enabled);
      if ('url' in config) {
        // A remote entry stays under `servers` in the file; the remote feature rebuilds its upstream.
        if (!features.remoteServers)
          throw new BrokerError('FEATURE_UNAVAILABLE', 'Remote servers are not running.');
        await features.remoteServers.put(name, config);
        return OK;
      }
      servers[name] = config;
      await deps.servers.putServer(name, config);
      return OK;
    },
    pauseAllServers: async ({ paused: next }) => {
      paused = next;
      await (next ? deps.servers.stop() : deps.servers.start());
      live.statusChanged();
      return OK;
    },
    ...importHandlers(deps, servers, remote),
    listCatalog: () => Promise.resolve(catalogListing()),
    addServer: async (input) => {
      const { config, secrets } = await addServer(deps, resolveAddRequest(input));
      if ('url' in config) {
        if (!features.remoteServers)
          throw new BrokerError('FEATURE_UNAVAILABLE', 'Remote servers are not running.');
        await features.remoteServers.put(input.name, config);
      } else {
        servers[input.name] = config;
        await deps.servers.putServer(input.name, config);
      }
      return { name: input.name, secrets };
    },
    removeServer: async ({ name }) => {
      requireServer(name);
      removeServerEntry(deps.configPath, name);
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- keyed by server name
      delete servers[name];
      await (remote()[name] ? features.remoteServers?.remove(name) : deps.servers.removeServer(name));
      deps.audit.record({ type: 'server.removed', outcome: 'ok', server: name });
      return OK;
    },
    queryAudit: (query) => Promise.resolve(queryAudit(deps.auditDir, query)),
    exportAudit: (query) => Promise.resolve({ jsonl: exportAudit(deps.auditDir, query) }),
    verifyAudit: () => Promise.resolve(verifyAuditChain(deps.auditDir)),
    listSecrets: async () => ({ names: await deps.store.list() }),
    getServerLog: async ({ name, lines }) => {
      requireServer(name);
      return { server: name, lines: (await features.serverLogs?.tail(name, lines ?? 200)) ?? [] };
    },
    getConnectInfo: () => Promise.resolve(clients.info()),
    installConnect: (request) =>
      clients.install({
        client: request.target,
        ...(request.via ? { via: request.via } : {}),
        ...(request.removeImported === undefined ? {} : { removeImported: request.removeImported }),
      }),
    uninstallConnect: ({ target }) => clients.uninstall(target),
    ...featureHandlers(features),
  };
}

/** Status for the window: the broker's, and each server's with its command and env names. */
function statusOf(
  deps: BrokerApiCoreDeps,
  servers: Record<string, StdioServerConfig>,
  remote: Readonly<Record<string, RemoteServerConfig>>,
  paused: boolean,
): Status {
  return {
    broker: { ...deps.brokerInfo(), configPath: deps.configPath, paused },
    servers: deps.servers.status().map((s) => {
      const remoteConfig = remote[s.name];
      if (remoteConfig) return { ...s, command: `${remoteConfig.url} (${remoteConfig.transport})` };
      const config = servers[s.name];
      if (!config) return s;
      const env = Object.entries(config.env).map(([name, v]) =>
        typeof v === 'string' || !('secret' in v) ? { name } : { name, secret: v.secret },
      );
      return { ...s, command: [config.command, ...config.args].join(' '), env };
    }),
  };
}

/** Import and add-by-pasting: plan, then store secrets, write the config, start the servers. */
function importHandlers(
  deps: BrokerApiCoreDeps,
  servers: Record<string, StdioServerConfig>,
  remote: () => Readonly<Record<string, RemoteServerConfig>>,
): Pick<BrokerApiHandlers, 'planImport' | 'runImport'> {
  const existing = () => new Set([...Object.keys(servers), ...Object.keys(remote())]);
  return {
    planImport: async (source) => ({
      servers: (await planImport(foundServersOf(source), { existing: existing(), secrets: deps.store }))
        .servers,
    }),
    runImport: async ({ source, servers: only, options }) => {
      const outcome = await runImport(foundServersOf(source), {
        configPath: deps.configPath,
        store: deps.store,
        audit: deps.audit,
        existing: existing(),
        ...importOptions(options),
        ...(only === undefined ? {} : { only: new Set(only) }),
      });
      // Installing the broker into that file later removes these entries from it (14.5).
      if ('path' in source)
        recordImport(deps.dataDir, source.path, Object.fromEntries(outcome.imported.map((n) => [n, n])));
      for (const name of outcome.imported) {
        const config = outcome.config?.servers[name];
        if (!config) continue;
        servers[name] = config;
        await deps.servers.putServer(name, config);
      }
      const { imported, skipped, moved, origins } = outcome;
      return { imported, skipped, moved, origins };
    },
  };
}
