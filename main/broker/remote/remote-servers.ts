import type { AuditSink } from '../audit/audit-event.js';
import type { RemoteServerConfig } from '../config/remote-server-config.js';
import type { Gateway } from '../gateway/gateway.js';
import type { UpstreamDeps } from '../gateway/upstream-types.js';
import type { Logger } from '../logger.js';
import type { ProviderService } from '../providers/provider-service.js';
import type { SecretStore } from '../secrets/secret-store.js';
import type { Fetch } from './authorization-discovery.js';
import type { RemoteTokenSource } from './authorized-fetch.js';
import { RemoteAuthorizations } from './remote-authorizations.js';
import { RemoteUpstreamServer } from './remote-upstream.js';

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

  constructor(private readonly deps: RemoteServersDeps) {
    this.authorizations = new RemoteAuthorizations(deps);
  }

  /** The gateway's extra upstreams: one per remote server. */
  upstreams(upstreamDeps: UpstreamDeps, providers: ProviderService): RemoteUpstreamServer[] {
    const tokens = tokenSource(providers);
    return Object.entries(this.deps.servers).map(
      ([name, config]) =>
        new RemoteUpstreamServer(name, config, {
          ...upstreamDeps,
          authorizations: this.authorizations,
          tokens,
          ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}),
        }),
    );
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
    providers.refresher.on('refreshed', onRefreshed);
    return () => providers.refresher.off('refreshed', onRefreshed);
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
