import { rmSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { BrowserUi } from './window/browser-ui.js';
import { openAuditKeyingOrWarn } from './audit/audit-anchor.js';
import { AuditLog } from './audit/audit-log.js';
import type { AccessTokenVerifier } from './authz/access-token.js';
import type { AuthorizationServer } from './authz/authorization-server.js';
import type { PendingConsents } from './authz/pending-consents.js';
import { attachHttpFeatures, type HttpFeatures } from './broker-http-features.js';
import { createCoreServices, startCoreServices, type CoreServices } from './broker-services.js';
import { systemClock, type Clock } from './base/clock.js';
import { loadConfigFile } from './config/config-file.js';
import type { BrokerConfig } from './config/config-schema.js';
import { ensureFirstRunConfig } from './config/first-run-config.js';
import { BrokerError, isBrokerError, messageOf } from './base/errors.js';
import type { Gateway } from './gateway/gateway.js';
import { SocketTransport } from './jsonrpc/socket-transport.js';
import type { Logger } from './base/logger.js';
import { DEFAULT_PORT, type RuntimePaths } from './runtime/paths.js';
import { prepareRuntimePaths } from './runtime/runtime-dir.js';
import type { ProviderService } from './providers/provider-service.js';
import type { SignInListener } from './providers/sign-in-events.js';
import type { RemoteServers } from './upstream-oauth/remote-servers.js';
import { openSecretStore } from './secrets/open-secret-store.js';
import type { SecretRedactor } from './secrets/secret-redactor.js';
import { assertSecretName, type SecretStore } from './secrets/secret-store.js';
import { controlRequestListener, type BrokerControl } from './control/control-api.js';
import { createStartingControl, type StartingControl } from './control/starting-control.js';
import { acquireInstanceLock, type InstanceLock } from './runtime/instance-lock.js';
import { listenLocal } from './net/local-socket.js';
import { startLoopbackHttp, type LoopbackHttp } from './net/loopback-http.js';
import { createFrontSession } from './gateway/mcp-front.js';
import { BROKER_VERSION } from './base/version.js';

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

/** What the broker is made of, once started (see `Broker.start`). */
interface BrokerParts {
  config: BrokerConfig;
  url: string;
  paths: RuntimePaths;
  services: CoreServices;
  store: SecretStore;
  audit: AuditLog;
  lock: InstanceLock;
  http: LoopbackHttp;
  /** The control socket, listening (answering "starting") since the lock was taken. */
  control: StartingControl;
  logger: Logger;
  clock: Clock;
}

/**
 * The broker: one per user. Composition root of the core — config, secret store, audit log, the
 * servers side (gateway, provider sign-in, remote servers), the loopback HTTP endpoint with its
 * features (authorization server, `/mcp` + `/ws`, the window), the MCP socket the `connect` shim
 * relays to, and the CLI control socket.
 */
export class Broker implements BrokerControl {
  private readonly sockets = new Set<Socket>();
  private connections = 0;
  private closed = false;
  private features: HttpFeatures | undefined;
  private readonly mcp: NetServer;
  private readonly control: HttpServer;
  private readonly gateway: Gateway;
  readonly config: BrokerConfig;
  readonly url: string;
  readonly paths: RuntimePaths;
  readonly http: LoopbackHttp;
  readonly startedAt: string;

  private constructor(private readonly parts: BrokerParts) {
    ({ config: this.config, url: this.url, paths: this.paths, http: this.http } = parts);
    this.gateway = parts.services.gateway;
    this.startedAt = new Date(parts.clock.now()).toISOString();
    this.mcp = createNetServer((socket) => {
      this.onMcpConnection(socket);
    });
    this.control = parts.control.server;
  }

  /** The broker's OAuth authorization server for HTTP MCP clients (issue #4). */
  get authz(): AuthorizationServer | undefined {
    return this.features?.authz;
  }

  /** The window's API (Electron, in-process) and browser mode at `/ui/` (issue #6). */
  get ui(): BrowserUi | undefined {
    return this.features?.ui;
  }

  /** Provider accounts, tokens and their refresh (issue #3). */
  get providers(): ProviderService {
    return this.parts.services.providers;
  }

  /** Remote MCP servers and their authorization (issue #5). */
  get remote(): RemoteServers {
    return this.parts.services.remote;
  }

  static async start(options: BrokerOptions): Promise<Broker> {
    const { logger, redactor, dataDir } = options;
    const clock = options.clock ?? systemClock;
    await ensureFirstRunConfig(options.configPath, dataDir, options.secretStore, logger);
    const config = loadConfigFile(options.configPath);
    const lock = acquireInstanceLock(dataDir, 'broker');
    const cleanups: (() => unknown)[] = [() => lock.release()];
    let broker: Broker | undefined;
    try {
      // The control socket answers "starting" as soon as the lock is held (issue 10 point 7).
      const paths = prepareRuntimePaths(dataDir);
      const control = createStartingControl(new Date(clock.now()).toISOString());
      await listenLocal(control.server, paths.controlSocket, paths.runDir);
      cleanups.unshift(() => control.server.close());
      const store = options.secretStore ?? openSecretStore(config.secretStore, dataDir);
      const keying = await openAuditKeyingOrWarn(store, join(dataDir, 'audit'), logger);
      const audit = AuditLog.open({
        ...{ dir: join(dataDir, 'audit'), maxFileBytes: config.audit.maxFileBytes },
        ...{ clock, redactor, ...(keying ? { keying } : {}) },
      });
      cleanups.unshift(() => audit.close());
      const services = createCoreServices({
        ...{ config, store, audit, logger, clock, redactor, dataDir },
        allowLoopbackClientMetadataUrl: options.allowLoopbackClientMetadataUrl === true,
      });
      cleanups.unshift(services.unwire);
      const port = options.port ?? config.port ?? DEFAULT_PORT;
      const http = await startLoopbackHttp(port, audit, BROKER_VERSION, logger, clock);
      cleanups.unshift(() => {
        http.refusals.close();
        http.server.close();
      });
      lock.update({ url: http.url });
      const started = `pid ${String(process.pid)} ${http.url} version ${BROKER_VERSION}`;
      audit.record({ type: 'broker.start', outcome: 'ok', message: started });
      cleanups.unshift(() => services.providers.refresher.stop());
      await startCoreServices(services, options.serverStartWaitMs ?? 10_000);
      const b = new Broker({
        config,
        url: http.url,
        paths,
        services,
        store,
        audit,
        lock,
        http,
        control,
        logger,
        clock,
      });
      broker = b;
      b.features = await attachHttpFeatures({
        ...{ http, services, config, configPath: options.configPath, dataDir, store, audit, logger, clock },
        redactor,
        status: () => b.status(),
        accessTokenVerifier: options.accessTokenVerifier,
        allowLoopbackClientDocuments: options.allowLoopbackClientDocuments === true,
      });
      await listenLocal(b.mcp, paths.mcpSocket, paths.runDir);
      control.serve(controlRequestListener(b, logger, (text) => redactor.redact(text)));
      http.setReady();
      return b;
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
    const label = `socket-${String(this.connections)}`;
    const session = createFrontSession({
      gateway: this.gateway,
      audit: this.parts.audit,
      logger: this.parts.logger,
      version: BROKER_VERSION,
      connectionLabel: label,
    });
    const transport = new SocketTransport(socket, {
      onBackpressure: ({ droppedNotifications, queuedBytes, closed }) => {
        this.parts.audit.record({
          type: 'client.backpressure',
          outcome: 'error',
          client: label,
          clientId: label,
          message: closed
            ? `client stopped reading: ${String(queuedBytes)} bytes queued; connection closed`
            : `client stopped reading: ${String(queuedBytes)} bytes queued; dropping notifications (${String(droppedNotifications)} so far)`,
        });
      },
    });
    session.connect(transport).catch((error: unknown) => {
      this.parts.logger.warn({ err: messageOf(error) }, 'MCP session failed to start');
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
        secretStore: this.parts.store.description,
        clients: this.sockets.size,
      },
      servers: this.gateway.status(),
      audit: this.parts.audit.health(),
    };
  }

  listSecrets(): Promise<string[]> {
    return this.parts.store.list();
  }

  /** Stores a secret and restarts the servers that use it, so they pick up the new value. */
  async setSecret(name: string, value: string): Promise<{ restarted: string[] }> {
    assertSecretName(name);
    await this.parts.store.set(name, value);
    this.parts.audit.record({ type: 'secret.set', outcome: 'ok', secretName: name });
    const restarted = this.gateway.serversUsingSecret(name);
    await Promise.all(restarted.map((server) => this.gateway.restartServer(server)));
    return { restarted };
  }

  async deleteSecret(name: string): Promise<boolean> {
    assertSecretName(name);
    const deleted = await this.parts.store.delete(name);
    this.parts.audit.record({ type: 'secret.delete', outcome: deleted ? 'ok' : 'error', secretName: name });
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
      this.remote.signInFailed(
        account,
        isBrokerError(error) ? error.code : 'SIGNIN_FAILED',
        messageOf(error),
      );
      throw error;
    }
    await this.remote.signedIn(account);
  }

  providerLogout(account: string): Promise<unknown> {
    return this.providerService().logout(account);
  }

  providerTokens(): Promise<unknown> {
    return this.providerService().list();
  }

  private providerService(): ProviderService {
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

  /**
   * A fault that no handler caught (the process-level `uncaughtException` / `unhandledRejection`
   * handlers of `serve`): logged and audited as `broker.error`; the broker keeps serving.
   */
  recordFault(kind: 'uncaughtException' | 'unhandledRejection', error: unknown): void {
    const message = `${kind}: ${messageOf(error).slice(0, 300)}`;
    this.parts.logger.error({ err: message }, 'unexpected fault; still serving');
    if (!this.closed)
      this.http.refusals.record(`broker.error:${kind}`, { type: 'broker.error', outcome: 'error', message });
  }

  listConsents(): unknown {
    return { pending: this.consentRequests().list() };
  }

  decideConsent(requestCode: string, decision: 'approve' | 'deny', scopes?: string[]): unknown {
    const consents = this.consentRequests();
    const consent =
      decision === 'approve'
        ? consents.approve(requestCode, 'cli', scopes)
        : consents.deny(requestCode, 'cli');
    return { decision, consent };
  }

  private consentRequests(): PendingConsents {
    if (!this.authz) throw new BrokerError('FEATURE_UNAVAILABLE', 'The authorization server is not running.');
    return this.authz.pendingConsents;
  }

  /** Stops everything, in reverse order of start. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.mcp.close();
    this.control.close();
    for (const socket of this.sockets) socket.destroy();
    this.features?.ui.close();
    await this.features?.resource.close();
    this.http.server.closeAllConnections();
    this.http.server.close();
    this.providers.refresher.stop();
    this.parts.services.unwire();
    await this.gateway.stop();
    this.http.refusals.close();
    this.parts.audit.record({ type: 'broker.stop', outcome: 'ok' });
    await this.parts.audit.flushAnchor();
    this.parts.audit.close();
    for (const path of [this.paths.mcpSocket, this.paths.controlSocket]) {
      if (!path.startsWith('\\\\.\\pipe\\')) rmSync(path, { force: true });
    }
    this.parts.lock.release();
  }
}
