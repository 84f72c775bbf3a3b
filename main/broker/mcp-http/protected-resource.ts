import type { AuditSink } from '../audit/audit-event.js';
import { type AccessTokenVerifier, scopeForServer } from '../authz/access-token.js';
import type { Logger } from '../base/logger.js';
import type { Gateway } from '../gateway/gateway.js';
import type { LoopbackHttp } from '../net/loopback-http.js';
import { MCP_PATH, mcpResourceUrl } from '../net/mcp-resource.js';
import { SessionTable } from './mcp-session-table.js';
import {
  PRM_PATH,
  protectedResourceMetadataHandler,
  resourceMetadataUrl,
} from './protected-resource-metadata.js';
import type { ResourceContext } from './resource-context.js';
import { streamableHttpHandler } from './streamable-http-endpoint.js';
import { websocketUpgradeHandler } from './websocket-endpoint.js';

export interface ProtectedResourceOptions {
  http: LoopbackHttp;
  gateway: Gateway;
  audit: AuditSink;
  logger: Logger;
  version: string;
  /** Verifies access tokens; the broker's authorization server provides it. */
  verifier: AccessTokenVerifier;
  /** The authorization server's issuer; the broker's origin by default. */
  issuer?: string;
  /** Seconds since the epoch (tests move it). */
  now?: () => number;
}

export interface ProtectedResource {
  /** `http://127.0.0.1:<port>/mcp` — the resource identifier tokens must carry in `aud`. */
  resource: string;
  metadataUrl: string;
  sessionCount(): number;
  close(): Promise<void>;
}

/**
 * Mounts the broker's MCP endpoints as an OAuth 2.1 protected resource on the loopback router:
 * RFC 9728 metadata (path-suffixed and root), streamable HTTP at `/mcp`, WebSocket at `/ws`. The
 * router's Host/Origin guard runs before any of them.
 */
export function mountProtectedResource(options: ProtectedResourceOptions): ProtectedResource {
  const { http, gateway } = options;
  const scopes = () =>
    gateway
      .status()
      .filter((s) => s.enabled)
      .map((s) => scopeForServer(s.name));
  const resource = mcpResourceUrl(http.url);
  const ctx: ResourceContext = {
    gateway,
    audit: options.audit,
    refusals: http.refusals,
    logger: options.logger,
    version: options.version,
    auth: {
      verifier: options.verifier,
      resource,
      challengeScopes: scopes,
      now: options.now ?? (() => Math.floor(Date.now() / 1000)),
    },
    metadataUrl: resourceMetadataUrl(http.url),
    sessions: new SessionTable(),
  };
  http.route(
    PRM_PATH,
    protectedResourceMetadataHandler({ origin: http.url, issuer: options.issuer ?? http.url, scopes }),
  );
  http.route(MCP_PATH, streamableHttpHandler(ctx));
  const ws = websocketUpgradeHandler(ctx);
  http.upgrade('/ws', ws.handler);
  return {
    resource,
    metadataUrl: ctx.metadataUrl,
    sessionCount: () => ctx.sessions.size,
    close: async () => {
      await ctx.sessions.closeAll();
      ws.close();
    },
  };
}
