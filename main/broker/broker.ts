import { existsSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import { AuditLog } from './audit/audit-log.js';
import { systemClock, type Clock } from './clock.js';
import { demoConfig, DEMO_SECRET_NAME } from './config/demo-config.js';
import { loadConfigFile, writeConfigFile } from './config/config-file.js';
import type { BrokerConfig } from './config/config-schema.js';
import { BrokerError, isBrokerError, messageOf } from './errors.js';
import { Gateway } from './gateway/gateway.js';
import { SocketTransport } from './jsonrpc/socket-transport.js';
import type { Logger } from './logger.js';
import { DEFAULT_PORT, runtimePaths, type RuntimePaths } from './paths.js';
import { openSecretStore } from './secrets/open-secret-store.js';
import type { SecretRedactor } from './secrets/secret-redactor.js';
import { assertSecretName, type SecretStore } from './secrets/secret-store.js';
import { createControlServer, type BrokerControl } from './server/control-api.js';
import { acquireInstanceLock, type InstanceLock } from './server/instance-lock.js';
import { listenLocal } from './server/local-socket.js';
import { startLoopbackHttp, type LoopbackHttp } from './server/loopback-http.js';
import { createFrontSession } from './server/mcp-front.js';
import type { AccessTokenVerifier } from './authz/access-token.js';
import { attachAuthorizationServer, type AuthorizationServer } from './authz/authorization-server.js';
import { mountProtectedResource, type ProtectedResource } from './resource/protected-resource.js';
import { BROKER_VERSION } from './version.js';
import { ProviderService } from './providers/provider-service.js';
import { wireLiveRotation } from './providers/credential-rotation.js';
import type { SignInListener } from './providers/sign-in-events.js';
import { openBrowserUi, type BrowserUi } from './api/browser-ui.js';
import { clientsFeature, providersFeature } from './api/feature-adapters.js';
import { randomBytes } from 'node:crypto';
import { RemoteServers } from './remote/remote-servers.js';

export interface BrokerOptions {
  configPath: string;
  dataDir: string;
  /** Overrides the config's port; 0 = any free port. */
  port?: number;
  logger: Logger;
  redactor: SecretRedactor;
  clock?: Clock;
  /** Injected store (tests); otherwise the one the config names. */
  secretStore?: SecretStore;
  /** How long start-up waits for the servers before opening the MCP channel (they keep starting after). */
  serverStartWaitMs?: number;
  /** Verifies bearer tokens on `/mcp` and `/ws`; without one every token is refused (fail closed). */
  accessTokenVerifier?: AccessTokenVerifier;
  /** TEST ONLY: let the authorization server fetch `http://127.0.0.1…` client metadata documents. */
  allowLoopbackClientDocuments?: boolean;
  /** TEST ONLY: let remote servers use an `http://127.0.0.1…` client ID metadata document URL. */
  allowLoopbackClientMetadataUrl?: boolean;
}

/** Creates the default demo config (and its demo secret where a store is available) on first run. */
async function ensureConfig(
  path: string,
  dataDir: string,
  injected: SecretStore | undefined,
  logger: Logger,
) {
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

/**
 * The broker: one per user. Composition root of the core — config, secret store, audit log, gateway,
 * the loopback HTTP endpoint, the MCP socket the `connect` shim relays to, and the CLI control socket.
 */
export class Broker implements BrokerControl {
  private readonly sockets = new Set<Socket>();
  private connections = 0;
  /** `/mcp` and `/ws` as an OAuth protected resource (issue #4). */
  private resource: ProtectedResource | undefined;
  /** The broker's OAuth authorization server for HTTP MCP clients (issue #4); its verifier guards `/mcp`. */
  authz: AuthorizationServer | undefined;
  private closed = false;
  readonly startedAt: string;
  /** Provider accounts, tokens and their refresh (issue #3). */
  providers: ProviderService | undefined;
  /** The window's API (Electron, in-process) and browser mode at `/ui/` (issue #6). */
  ui: BrowserUi | undefined;
  /** Remote MCP servers and their authorization (issue #5). */
  remote: RemoteServers | undefined;

  private constructor(
    readonly config: BrokerConfig,
    readonly url: string,
    readonly paths: RuntimePaths,
    private readonly gateway: Gateway,
    private readonly store: SecretStore,
    private readonly audit: AuditLog,
    private readonly lock: InstanceLock,
    readonly http: LoopbackHttp,
    private readonly logger: Logger,
    clock: Clock,
  ) {
    this.startedAt = new Date(clock.now()).toISOString();
    this.mcp = createNetServer((socket) => {
      this.onMcpConnection(socket);
    });
    this.control = createControlServer(this, logger);
  }

  private readonly mcp: NetServer;
  private readonly control: HttpServer;

  static async start(options: BrokerOptions): Promise<Broker> {
    const { logger, redactor } = options;
    const clock = options.clock ?? systemClock;
    await ensureConfig(options.configPath, options.dataDir, options.secretStore, logger);
    const config = loadConfigFile(options.configPath);
    const lock = acquireInstanceLock(options.dataDir, 'broker');
    const cleanups: (() => unknown)[] = [() => lock.release()];
    let broker: Broker | undefined;
    try {
      const audit = AuditLog.open({
        dir: join(options.dataDir, 'audit'),
        maxFileBytes: config.audit.maxFileBytes,
        clock,
        redactor,
      });
      cleanups.unshift(() => audit.close());
      const store = options.secretStore ?? openSecretStore(config.secretStore, options.dataDir);
      const remote = new RemoteServers({
        ...{ servers: config.remoteServers, secrets: store, audit, logger },
        allowLoopbackClientMetadataUrl: options.allowLoopbackClientMetadataUrl === true,
      });
      // Provider sign-in (issue 3): this process is the one owner of token refresh.
      const providers = new ProviderService({
        ...{ providers: config.providers, secrets: store, dataDir: options.dataDir },
        ...{ audit, clock, logger, redactor },
        extraProvider: (id) => remote.authorizations.provider(id),
      });
      cleanups.unshift(() => providers.refresher.stop());
      const http = await startLoopbackHttp(
        options.port ?? config.port ?? DEFAULT_PORT,
        audit,
        BROKER_VERSION,
        logger,
      );
      cleanups.unshift(() => http.server.close());
      lock.update({ url: http.url });
      audit.record({
        type: 'broker.start',
        outcome: 'ok',
        message: `pid ${String(process.pid)} ${http.url} version ${BROKER_VERSION}`,
      });
      const gateway = new Gateway({
        servers: config.servers,
        secrets: store,
        credentials: providers.refresher,
        audit,
        logger,
        clock,
        redactor,
        extraUpstreams: (deps) => remote.upstreams(deps, providers),
      });
      cleanups.unshift(wireLiveRotation(providers.refresher, gateway, logger));
      cleanups.unshift(remote.attach(gateway, providers));
      providers.refresher.start();
      const started = gateway.start();
      await Promise.race([
        started,
        new Promise((r) => setTimeout(r, options.serverStartWaitMs ?? 10_000).unref()),
      ]);
      const paths = runtimePaths(options.dataDir);
      broker = new Broker(config, http.url, paths, gateway, store, audit, lock, http, logger, clock);
      broker.providers = providers;
      broker.remote = remote;
      broker.authz = await attachAuthorizationServer({
        ...{ http, store, audit, logger, clock, dataDir: options.dataDir },
        servers: [...Object.entries(config.servers), ...Object.entries(config.remoteServers)]
          .filter(([, server]) => server.enabled)
          .map(([name]) => name),
        allowLoopbackClientDocuments: options.allowLoopbackClientDocuments === true,
      });
      broker.resource = mountProtectedResource({
        http,
        gateway,
        audit,
        logger,
        version: BROKER_VERSION,
        verifier: options.accessTokenVerifier ?? broker.authz.verifier,
      });
      const self = broker;
      broker.ui = openBrowserUi({
        ...{ http, gateway, store, audit, config, logger, clock },
        ...{ configPath: options.configPath, dataDir: options.dataDir, status: () => self.status() },
        consents: broker.authz.pendingConsents,
      });
      if (Object.keys(config.providers).length > 0) {
        broker.ui.api.features.providers = providersFeature(providers, config.providers, clock);
      }
      broker.ui.api.features.clients = clientsFeature(broker.authz.clients);
      broker.ui.api.features.remoteServers = remote.feature();
      await listenLocal(broker.mcp, paths.mcpSocket, paths.runDir);
      await listenLocal(broker.control, paths.controlSocket, paths.runDir);
      return broker;
    } catch (error) {
      if (broker) await broker.close();
      else for (const cleanup of cleanups) cleanup();
      throw error;
    }
  }

  private onMcpConnection(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    this.connections += 1;
    const session = createFrontSession({
      gateway: this.gateway,
      audit: this.audit,
      logger: this.logger,
      version: BROKER_VERSION,
      connectionLabel: `socket-${String(this.connections)}`,
    });
    session.connect(new SocketTransport(socket)).catch((error: unknown) => {
      this.logger.warn({ err: messageOf(error) }, 'MCP session failed to start');
      socket.destroy();
    });
  }

  status(): unknown {
    return {
      broker: {
        pid: process.pid,
        version: BROKER_VERSION,
        url: this.url,
        startedAt: this.startedAt,
        secretStore: this.store.description,
        clients: this.sockets.size,
      },
      servers: this.gateway.status(),
    };
  }

  listSecrets(): Promise<string[]> {
    return this.store.list();
  }

  /** Stores a secret and restarts the servers that use it, so they pick up the new value. */
  async setSecret(name: string, value: string): Promise<{ restarted: string[] }> {
    assertSecretName(name);
    await this.store.set(name, value);
    this.audit.record({ type: 'secret.set', outcome: 'ok', secretName: name });
    const restarted = this.gateway.serversUsingSecret(name);
    await Promise.all(restarted.map((server) => this.gateway.restartServer(server)));
    return { restarted };
  }

  async deleteSecret(name: string): Promise<boolean> {
    assertSecretName(name);
    const deleted = await this.store.delete(name);
    this.audit.record({ type: 'secret.delete', outcome: deleted ? 'ok' : 'error', secretName: name });
    return deleted;
  }

  async restartServer(name: string): Promise<void> {
    if (!this.gateway.status().some((s) => s.name === name)) {
      throw new BrokerError('SERVER_NOT_FOUND', `No server named "${name}" in the config.`);
    }
    await this.gateway.restartServer(name);
  }

  /** Signs a provider account in here, in the one broker process (`login`), streaming events. */
  async providerLogin(
    account: string,
    mode: 'device' | 'browser',
    onEvent: SignInListener,
    signal: AbortSignal,
  ): Promise<void> {
    try {
      await this.providerService().login(account, { mode, onEvent, signal });
    } catch (error) {
      this.remote?.signInFailed(
        account,
        isBrokerError(error) ? error.code : 'SIGNIN_FAILED',
        messageOf(error),
      );
      throw error;
    }
    await this.remote?.signedIn(account);
  }

  providerLogout(account: string): Promise<unknown> {
    return this.providerService().logout(account);
  }

  providerTokens(): Promise<unknown> {
    return this.providerService().list();
  }

  private providerService(): ProviderService {
    if (!this.providers) throw new BrokerError('FEATURE_UNAVAILABLE', 'Provider sign-in is not running.');
    return this.providers;
  }

  uiLoginUrl(): string {
    if (!this.ui) throw new BrokerError('FEATURE_UNAVAILABLE', 'Browser mode is not running.');
    return this.ui.loginUrl();
  }

  async importServers(path: string): Promise<unknown> {
    if (!this.ui) throw new BrokerError('FEATURE_UNAVAILABLE', 'Browser mode is not running.');
    return this.ui.api.runImport({ source: { path } });
  }

  listClients(): unknown {
    return { clients: this.authz?.clients.list() ?? [], persistent: this.authz?.persistent ?? false };
  }

  revokeClient(clientId: string): unknown {
    const result = this.authz?.clients.revoke(clientId);
    if (!result?.revoked)
      throw new BrokerError(
        'CLIENT_NOT_FOUND',
        `No OAuth client "${clientId}"; see "mcp-auth-broker clients".`,
      );
    return { clientId, grants: result.grants };
  }

  /** Stops everything, in reverse order of start. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.mcp.close();
    this.control.close();
    for (const socket of this.sockets) socket.destroy();
    this.ui?.close();
    await this.resource?.close();
    this.http.server.closeAllConnections();
    this.http.server.close();
    this.providers?.refresher.stop();
    await this.gateway.stop();
    this.audit.record({ type: 'broker.stop', outcome: 'ok' });
    this.audit.close();
    for (const path of [this.paths.mcpSocket, this.paths.controlSocket]) {
      if (!path.startsWith('\\\\.\\pipe\\')) rmSync(path, { force: true });
    }
    this.lock.release();
  }
}
