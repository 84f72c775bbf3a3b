import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import Provider, { type ClientMetadata, type Configuration, errors } from 'oidc-provider';

import { hostOidcProvider } from './oidc-host.js';

/**
 * The authorization server a protected remote MCP server trusts in the issue-5 tests: a real
 * oidc-provider on 127.0.0.1 with dynamic client registration (RFC 7591), resource indicators
 * (RFC 8707) issuing JWT access tokens whose `aud` is the MCP server, PKCE required, rotating refresh
 * tokens, RFC 9207 `iss`, and the built-in login/consent pages a test's person fills in. It records
 * paths and grant types (never token values) so tests can count registrations and refreshes.
 */
export const REMOTE_SCOPES = ['mcp:read', 'mcp:admin'];

export interface RemoteAuthServer {
  issuer: string;
  provider: Provider;
  /** `METHOD path [grant_type] [resource=…] status` of every request that reached the provider. */
  log: string[];
  /** Sets the MCP server URL that tokens may be issued for (the one accepted `resource`). */
  setResource(resource: string): void;
  /** Forgets every dynamically registered client (the AS "lost" them: next use is invalid_client). */
  forgetClients(): Promise<void>;
  /** Its request handler (for `mountedAt`: the MCP server hands it what is not MCP). */
  callback: (req: IncomingMessage, res: ServerResponse) => unknown;
  close(): Promise<void>;
}

export interface RemoteAuthServerOptions {
  accessTokenTtlS?: number;
  /** Clients registered beforehand, as an administrator would (pre-registered, issue 13.1/13.2). */
  clients?: ClientMetadata[];
  /** The token endpoint auth methods it accepts and advertises (oidc-provider's default otherwise). */
  clientAuthMethods?: string[];
  /** DPoP (RFC 9449) with server nonces required on every token request (issue 13.3). */
  dpop?: boolean;
  /**
   * Served at this origin through `callback` instead of listening: the MCP server's own origin, as
   * 2025-03-26 servers without RFC 9728 metadata have it (issue 13.4).
   */
  mountedAt?: string;
  /** No metadata at all, endpoints at the 2025-03-26 defaults `/authorize`, `/token`, `/register`. */
  defaultEndpoints?: boolean;
}

function configuration(state: { resource: string }, options: RemoteAuthServerOptions): Configuration {
  const ttl = options.accessTokenTtlS ?? 300;
  return {
    ...(options.defaultEndpoints === true
      ? { routes: { authorization: '/authorize', token: '/token', registration: '/register' } }
      : {}),
    ...(options.clients ? { clients: options.clients } : {}),
    ...(options.clientAuthMethods
      ? { clientAuthMethods: options.clientAuthMethods as Configuration['clientAuthMethods'] }
      : {}),
    findAccount: (_ctx, sub) => Promise.resolve({ accountId: sub, claims: () => ({ sub }) }),
    scopes: ['openid', 'offline_access', ...REMOTE_SCOPES],
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: true },
      clientCredentials: { enabled: true },
      ...(options.dpop === true
        ? { dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true } }
        : {}),
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => state.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== state.resource) throw new errors.InvalidTarget();
          return Promise.resolve({
            scope: REMOTE_SCOPES.join(' '),
            audience: state.resource,
            accessTokenFormat: 'jwt' as const,
            accessTokenTTL: ttl,
            jwt: { sign: { alg: 'RS256' as const } },
          });
        },
      },
    },
    pkce: { required: () => true },
    rotateRefreshToken: true,
    issueRefreshToken: (_ctx, client) => Promise.resolve(client.grantTypeAllowed('refresh_token')),
    ttl: {
      AccessToken: ttl,
      RefreshToken: 3600,
      Grant: 3600,
      Session: 3600,
      Interaction: 600,
      AuthorizationCode: 60,
    },
    cookies: { keys: ['remote-test-cookie-key-not-secret'] },
  };
}

/** ` auth=basic|post|jwt` on a token request that authenticated its client (never the values). */
function clientAuth(ctx: { path: string; get(h: string): string }, params?: Record<string, unknown>) {
  if (ctx.path !== '/token') return '';
  if (ctx.get('authorization').startsWith('Basic ')) return ' auth=basic';
  if (typeof params?.['client_secret'] === 'string') return ' auth=post';
  if (typeof params?.['client_assertion'] === 'string') return ' auth=jwt';
  return '';
}

/** Starts the authorization server on 127.0.0.1, ephemeral port. */
export async function startRemoteAuthServer(
  options: RemoteAuthServerOptions = {},
): Promise<RemoteAuthServer> {
  const state = { resource: 'http://127.0.0.1/unset' };
  const log: string[] = [];
  const registered = new Set<string>();
  const create = (issuer: string) => {
    const provider = new Provider(issuer, configuration(state, options));
    if (options.defaultEndpoints === true) {
      provider.use(async (ctx, next) => {
        if (ctx.path.startsWith('/.well-known/')) ctx.status = 404;
        else await next();
      });
    }
    provider.on('registration_create.success', (_ctx: unknown, client: { clientId: string }) => {
      registered.add(client.clientId);
    });
    provider.use(async (ctx, next) => {
      await next();
      const params = (ctx as { oidc?: { params?: Record<string, unknown> } }).oidc?.params;
      const grant = typeof params?.['grant_type'] === 'string' ? ` ${params['grant_type']}` : '';
      const resource = typeof params?.['resource'] === 'string' ? ` resource=${params['resource']}` : '';
      const dpop = ctx.get('dpop') ? ' dpop' : '';
      log.push(
        `${ctx.method} ${ctx.path}${grant}${resource}${clientAuth(ctx, params)}${dpop} ${String(ctx.status)}`,
      );
    });
    return provider;
  };
  const host =
    options.mountedAt === undefined
      ? await hostOidcProvider(create)
      : { issuer: options.mountedAt, provider: create(options.mountedAt), close: () => Promise.resolve() };
  const { provider } = host;
  return {
    callback: provider.callback(),
    issuer: host.issuer,
    provider,
    log,
    setResource: (resource) => {
      state.resource = resource;
    },
    forgetClients: async () => {
      // oidc-provider's typings omit the static adapter its Client model has.
      const adapter = (provider.Client as unknown as { adapter: { destroy(id: string): Promise<void> } })
        .adapter;
      for (const id of registered) await adapter.destroy(id);
      registered.clear();
    },
    close: () => host.close(),
  };
}
