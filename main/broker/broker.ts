import { rmSync } from 'node:fs';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';

import type { Status } from '../contract/status.js';
import { openAuditKeyingOrWarn } from './audit/audit-anchor.js';
import { AuditLog } from './audit/audit-log.js';
import type { AccessTokenVerifier } from './authz/access-token.js';
import type { AuthorizationServer } from './authz/authorization-server.js';
import { type Clock, systemClock } from './base/clock.js';
import { Disposers } from './base/disposers.js';
import { messageOf } from './base/errors.js';
import type { Logger } from './base/logger.js';
import { BROKER_VERSION } from './base/version.js';
import { attachHttpFeatures, type HttpFeatures } from './broker-http-features.js';
import { type CoreServices, createCoreServices, startCoreServices } from './broker-services.js';
import { loadConfigFile } from './config/config-file.js';
import type { BrokerConfig } from './config/config-schema.js';
import { ensureFirstRunConfig } from './config/first-run-config.js';
import { createBrokerControl } from './control/broker-control.js';
import { type BrokerControl, controlRequestListener } from './control/control-api.js';
import { createStartingControl, type StartingControl } from './control/starting-control.js';
import type { Gateway } from './gateway/gateway.js';
import { createFrontSession } from './gateway/mcp-front.js';
import { SocketTransport } from './jsonrpc/socket-transport.js';
import { listenLocal } from './net/local-socket.js';
import { type LoopbackHttp, startLoopbackHttp } from './net/loopback-http.js';
import type { ProviderService } from './providers/provider-service.js';
import { acquireInstanceLock, type InstanceLock } from './runtime/instance-lock.js';
import { dataDirPath, DEFAULT_PORT, type RuntimePaths } from './runtime/paths.js';
import { prepareRuntimePaths } from './runtime/runtime-dir.js';
import { openSecretStore } from './secrets/open-secret-store.js';
import type { SecretRedactor } from './secrets/secret-redactor.js';
import type { SecretStore } from './secrets/secret-store.js';
import type { RemoteServers } from './upstream-oauth/remote-servers.js';
import type { BrowserUi } from './window/browser-ui.js';

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
  /** What has started, stopped in reverse on a failed start and on close. */
  disposers: Disposers;
}

/**
 * The broker: one per user. Composition root of the core — config, secret store, audit log, the
 * servers side (gateway, provider sign-in, remote servers), the loopback HTTP endpoint with its
 * features (authorization server, `/mcp` + `/ws`, the window), the MCP socket the `connect` shim
 * relays to, and the CLI control socket.
 */
export class Broker {
  private readonly sockets = new Set<Socket>();
  private connections = 0;
  private closed = false;
  private features: HttpFeatures | undefined;
  private readonly mcp: NetServer;
  private readonly gateway: Gateway;
  readonly config: BrokerConfig;
  readonly url: string;
  readonly paths: RuntimePaths;
  readonly http: LoopbackHttp;
  readonly startedAt: string;
  /** What the CLI's control socket (and in-process callers) can ask of this broker. */
  readonly control: BrokerControl;

  private constructor(private readonly parts: BrokerParts) {
    ({ config: this.config, url: this.url, paths: this.paths, http: this.http } = parts);
    this.gateway = parts.services.gateway;
    this.startedAt = new Date(parts.clock.now()).toISOString();
    this.mcp = createNetServer((socket) => {
      this.onMcpConnection(socket);
    });
    this.control = createBrokerControl({
      ...{ status: () => this.status(), store: parts.store, audit: parts.audit, gateway: this.gateway },
      ...{ providers: parts.services.providers, remote: parts.services.remote },
      serverLogs: parts.services.serverLogs,
      authz: () => this.features?.authz,
      ui: () => this.features?.ui,
    });
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
    const disposers = new Disposers();
    const lock = acquireInstanceLock(dataDir, 'broker');
    disposers.add('instance lock', () => lock.release());
    try {
      // The control socket answers "starting" as soon as the lock is held (issue 10 point 7).
      const paths = prepareRuntimePaths(dataDir);
      disposers.add('sockets', () => {
        for (const path of [paths.mcpSocket, paths.controlSocket]) {
          if (!path.startsWith('\\\\.\\pipe\\')) rmSync(path, { force: true });
        }
      });
      const control = createStartingControl(new Date(clock.now()).toISOString());
      await listenLocal(control.server, paths.controlSocket, paths.runDir);
      disposers.add('control socket', () => control.server.close());
      const store = options.secretStore ?? openSecretStore(config.secretStore, dataDir);
      const keying = await openAuditKeyingOrWarn(store, dataDirPath(dataDir, 'audit'), logger);
      const audit = AuditLog.open({
        ...{ dir: dataDirPath(dataDir, 'audit'), maxFileBytes: config.audit.maxFileBytes },
        ...{ clock, redactor, ...(keying ? { keying } : {}) },
        callRecordsAfterTurn: true,
      });
      disposers.add('audit log', async () => {
        audit.record({ type: 'broker.stop', outcome: 'ok' });
        await audit.flushAnchor();
        audit.close();
      });
      const services = createCoreServices({
        ...{ config, store, audit, logger, clock, redactor, dataDir },
        allowLoopbackClientMetadataUrl: options.allowLoopbackClientMetadataUrl === true,
      });
      disposers.add('service wiring', services.unwire);
      const port = options.port ?? config.port ?? DEFAULT_PORT;
      const http = await startLoopbackHttp(port, audit, BROKER_VERSION, logger, clock);
      disposers.add('refusal audit', () => http.refusals.close());
      lock.update({ url: http.url });
      const started = `pid ${String(process.pid)} ${http.url} version ${BROKER_VERSION}`;
      audit.record({ type: 'broker.start', outcome: 'ok', message: started });
      disposers.add('server logs', () => services.serverLogs.close());
      disposers.add('servers', () => services.gateway.stop());
      disposers.add('token refresher', () => services.providers.refresher.stop());
      // The servers start while the HTTP features are attached (issue 11 point 5: start to ready is
      // the longer of the two, not their sum); the MCP socket opens once both are done.
      const serversStarted = startCoreServices(services, options.serverStartWaitMs ?? 10_000);
      serversStarted.catch(() => undefined); // awaited below; a failure is thrown from there
      // From here on http serves the features: it stops taking requests before the servers stop.
      disposers.add('loopback http', () => {
        http.server.closeAllConnections();
        http.server.close();
      });
      const b = new Broker({
        ...{ config, url: http.url, paths, services, store, audit, lock, http, control },
        ...{ logger, clock, disposers },
      });
      const features = await attachHttpFeatures({
        ...{ http, services, config, configPath: options.configPath, dataDir, store, audit, logger, clock },
        redactor,
        brokerInfo: () => b.info(),
        accessTokenVerifier: options.accessTokenVerifier,
        allowLoopbackClientDocuments: options.allowLoopbackClientDocuments === true,
      });
      b.features = features;
      disposers.add('protected resource', () => features.resource.close());
      disposers.add('window', () => features.ui.close());
      await serversStarted;
      await listenLocal(b.mcp, paths.mcpSocket, paths.runDir);
      disposers.add('mcp socket', () => {
        b.mcp.close();
        for (const socket of b.sockets) socket.destroy();
      });
      control.serve(controlRequestListener(b.control, logger, (text) => redactor.redact(text)));
      http.setReady();
      return b;
    } catch (error) {
      await disposers.dispose((name, e) => logger.warn({ err: messageOf(e), part: name }, 'stop failed'));
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

  status(): Status {
    return { broker: this.info(), servers: this.gateway.status(), audit: this.parts.audit.health() };
  }

  /** The broker's own part of its status: process, version, URL, secret store, connected clients. */
  info(): Status['broker'] {
    return {
      pid: process.pid,
      version: BROKER_VERSION,
      url: this.url,
      startedAt: this.startedAt,
      secretStore: this.parts.store.description,
      clients: this.sockets.size,
    };
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

  /** Stops everything, in reverse order of start. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.parts.disposers.dispose((name, error) => {
      this.parts.logger.warn({ err: messageOf(error), part: name }, 'stop failed');
    });
  }
}
