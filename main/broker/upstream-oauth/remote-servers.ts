import type { AuditSink } from '../audit/audit-event.js';
import { BrokerError } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import type { RemoteServerConfig } from '../config/remote-server-config.js';
import type { Gateway } from '../gateway/gateway.js';
import type { ProviderService } from '../providers/provider-service.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { RemoteUpstream } from '../upstreams/remote-connector.js';
import type { UpstreamSupervisor } from '../upstreams/upstream-supervisor.js';
import type { UpstreamDeps } from '../upstreams/upstream-types.js';
import type { RemoteServersFeature } from '../window/broker-features.js';
import type { Fetch } from './authorization-discovery.js';
import type { RemoteTokenSource } from './authorized-fetch.js';
import { RemoteAuthorizations } from './remote-authorizations.js';

/**
 * Remote MCP servers in the broker (issue 5): builds their upstreams for the gateway, supplies the
 * issue-3 ProviderService with each OAuth server's provider (`mcp-<server>`), and after a sign-in
 * audits it and reconnects the server that was waiting for it.
 */
export interface RemoteServersDeps {
  servers: Record<string, RemoteServerConfig>;
  secrets: SecretStore;
  audit: AuditSink;
  logger: Logger;
  fetch?: Fetch;
  /** TEST ONLY (never from config or CLI): admit an `http://127.0.0.1…` client metadata document URL. */
  allowLoopbackClientMetadataUrl?: boolean;
}

/** The token source of remote upstreams, over the provider service's refresher and store. */
export function tokenSource(providers: ProviderService): RemoteTokenSource {
  return {
    accessToken: (account) => providers.refresher.accessToken(account),
    refresh: (account, force) => providers.refresher.refresh(account, force),
    metadata: (account) => providers.store.metadata(account),
  };
}

export class RemoteServers {
  readonly authorizations: RemoteAuthorizations;
  private gateway: Gateway | undefined;
  private readonly built = new Map<string, RemoteUpstream>();
  private build: ((name: string, config: RemoteServerConfig) => RemoteUpstream) | undefined;

  constructor(private readonly deps: RemoteServersDeps) {
    this.authorizations = new RemoteAuthorizations(deps);
  }

  /** The gateway's extra upstreams: one per remote server. */
  upstreams(upstreamDeps: UpstreamDeps, providers: ProviderService): UpstreamSupervisor[] {
    const tokens = tokenSource(providers);
    const build = (name: string, config: RemoteServerConfig) => {
      const upstream = new RemoteUpstream(name, config, {
        ...upstreamDeps,
        authorizations: this.authorizations,
        tokens,
        ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}),
      });
      this.built.set(name, upstream);
      return upstream;
    };
    this.build = build;
    return Object.entries(this.deps.servers).map(([name, config]) => build(name, config).supervisor);
  }

  /** The window's view (issue 6): entries by name, and swapping one in after `enabled` changed. */
  feature(): RemoteServersFeature {
    return {
      configs: () => this.deps.servers,
      put: async (name, config) => {
        if (!this.build || !this.gateway)
          throw new BrokerError('FEATURE_UNAVAILABLE', 'Remote servers are not running.');
        this.deps.servers[name] = config;
        await this.gateway.putUpstream(this.build(name, config).supervisor);
      },
      remove: async (name) => {
        // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- keyed by server name
        delete this.deps.servers[name];
        this.built.delete(name);
        await this.gateway?.removeServer(name);
      },
    };
  }

  /** Remote upstreams whose credentials are provider account `account` (theirs, or a named provider's). */
  private usingAccount(account: string): RemoteUpstream[] {
    return [...this.built.values()].filter((u) => u.account === account && u.remote.enabled);
  }

  /** Audits background refreshes of remote servers' tokens; returns the unsubscribe. */
  attach(gateway: Gateway, providers: ProviderService): () => void {
    this.gateway = gateway;
    const onRefreshed = (account: string) => {
      const server = this.authorizations.serverOfAccount(account);
      const meta = providers.store.metadata(account);
      // `refreshed` also follows a fresh sign-in, which has no `refreshedAt`.
      if (server !== undefined && meta?.refreshedAt !== undefined) {
        this.deps.audit.record({ type: 'upstream.token_refresh', outcome: 'ok', server });
      }
    };
    // Status honesty: a refused refresh takes the servers using the account down until sign-in.
    const onSignInNeeded = (account: string) => {
      for (const upstream of this.usingAccount(account)) void upstream.needsSignIn();
    };
    // New tokens of a provider account: its servers that wait for them, or hold the old token on a
    // WebSocket (sent only with the upgrade), reconnect. (`mcp-<server>` sign-ins go by `signedIn`.)
    const onNewTokens = (account: string) => {
      if (this.authorizations.serverOfAccount(account) !== undefined) return;
      for (const upstream of this.usingAccount(account)) {
        if (upstream.supervisor.state === 'failed' || upstream.remote.transport === 'websocket') {
          void upstream.supervisor.restartWhenIdle().catch(() => undefined);
        }
      }
    };
    providers.refresher.on('refreshed', onRefreshed);
    providers.refresher.on('refreshed', onNewTokens);
    providers.refresher.on('signInNeeded', onSignInNeeded);
    return () => {
      providers.refresher.off('refreshed', onRefreshed);
      providers.refresher.off('refreshed', onNewTokens);
      providers.refresher.off('signInNeeded', onSignInNeeded);
    };
  }

  /** After `login --server`: audits the sign-in and reconnects the server unless it already runs. */
  async signedIn(account: string): Promise<void> {
    const server = this.authorizations.serverOfAccount(account);
    if (server === undefined || !this.gateway) return;
    this.deps.audit.record({ type: 'upstream.signin', outcome: 'ok', server });
    const state = this.gateway.status().find((s) => s.name === server)?.state;
    if (state !== 'running') await this.gateway.restartServer(server);
  }

  /** Audits a failed sign-in of a remote server. */
  signInFailed(account: string, code: string, message: string): void {
    const server = this.authorizations.serverOfAccount(account);
    if (server === undefined) return;
    this.deps.audit.record({
      type: 'upstream.auth_failed',
      outcome: 'error',
      server,
      errorCode: code,
      message,
    });
  }
}
