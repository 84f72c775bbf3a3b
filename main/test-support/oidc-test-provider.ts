import Provider, { type Configuration, errors } from 'oidc-provider';

import { hostOidcProvider } from './oidc-host.js';

/**
 * A real OAuth 2.1 / OpenID provider (panva's oidc-provider) on 127.0.0.1 for the sign-in tests:
 * device flow (RFC 8628), authorization code + PKCE, rotating refresh tokens, revocation (RFC 7009),
 * resource indicators (RFC 8707) with JWT access tokens, RFC 9207 `iss`, and the built-in
 * login/consent forms (`devInteractions`) a test's "person" fills in. It records every request
 * (method, path, selected headers, parsed OAuth params, status) so tests can count token-endpoint
 * calls, and it can answer the next requests to a path with an injected error (e.g. `slow_down`,
 * which oidc-provider does not produce by itself).
 */
export const TEST_CLIENT_ID = 'broker-test';
export const TEST_RESOURCE = 'https://api.test.example/mcp';
export const TEST_SCOPES = ['openid', 'offline_access', 'api:read'];

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The OAuth params oidc-provider parsed (test-only: may contain tokens). */
  params: Record<string, unknown>;
  status: number;
  injected: boolean;
}

export interface TestProviderOptions {
  accessTokenTtlS?: number;
  deviceCodeTtlS?: number;
}

export interface OidcTestProvider {
  issuer: string;
  provider: Provider;
  requests: RecordedRequest[];
  /** The next `times` requests to `path` get `status` + `body` instead of reaching the provider. */
  inject(path: string, status: number, body: Record<string, string>, times?: number): void;
  /** Token-endpoint requests with the given grant type that reached the provider. */
  tokenRequests(grantType: string): RecordedRequest[];
  /**
   * Calls `listener` with each request that reached the provider, after the provider answered and
   * before the answer is sent (e.g. to lock the keychain "just as the refresh comes back").
   */
  observe(listener: (request: RecordedRequest) => void): void;
  close(): Promise<void>;
}

function resourceServer(ttl: number) {
  return (_ctx: unknown, indicator: string) => {
    if (indicator !== TEST_RESOURCE) throw new errors.InvalidTarget();
    return Promise.resolve({
      scope: 'api:read',
      audience: TEST_RESOURCE,
      accessTokenFormat: 'jwt' as const,
      accessTokenTTL: ttl,
      jwt: { sign: { alg: 'RS256' as const } },
    });
  };
}

function configuration(options: TestProviderOptions): Configuration {
  const accessTtl = options.accessTokenTtlS ?? 300;
  return {
    clients: [
      {
        client_id: TEST_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback'],
      },
    ],
    findAccount: (_ctx, sub) => Promise.resolve({ accountId: sub, claims: () => ({ sub }) }),
    scopes: TEST_SCOPES,
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: resourceServer(accessTtl),
      },
    },
    pkce: { required: () => true },
    rotateRefreshToken: true,
    issueRefreshToken: (_ctx, client) => Promise.resolve(client.grantTypeAllowed('refresh_token')),
    ttl: {
      AccessToken: accessTtl,
      DeviceCode: options.deviceCodeTtlS ?? 120,
      RefreshToken: 3600,
      Grant: 3600,
      Session: 3600,
      Interaction: 600,
      AuthorizationCode: 60,
    },
    cookies: { keys: ['test-cookie-key-not-secret'] },
  };
}

const KEPT_HEADERS = ['accept', 'content-type', 'authorization', 'user-agent'];

/** Starts the provider on 127.0.0.1 with an ephemeral port. */
export async function startOidcTestProvider(options: TestProviderOptions = {}): Promise<OidcTestProvider> {
  const requests: RecordedRequest[] = [];
  const injections: { path: string; status: number; body: Record<string, string> }[] = [];
  const listeners: ((request: RecordedRequest) => void)[] = [];
  const host = await hostOidcProvider((issuer) => {
    const provider = new Provider(issuer, configuration(options));
    provider.use(async (ctx, next) => {
      const headers = Object.fromEntries(
        KEPT_HEADERS.flatMap((h) => (ctx.get(h) ? [[h, ctx.get(h)]] : [])),
      ) as Record<string, string>;
      const base = { method: ctx.method, path: ctx.path, headers };
      const index = injections.findIndex((i) => i.path === ctx.path);
      const injection = index >= 0 ? injections.splice(index, 1)[0] : undefined;
      if (injection) {
        ctx.status = injection.status;
        ctx.body = injection.body;
        requests.push({ ...base, params: {}, status: injection.status, injected: true });
        return;
      }
      await next();
      const oidc = (ctx as { oidc?: { params?: Record<string, unknown> } }).oidc;
      const recorded = { ...base, params: { ...oidc?.params }, status: ctx.status, injected: false };
      requests.push(recorded);
      for (const listener of listeners) listener(recorded);
    });
    return provider;
  });
  return {
    issuer: host.issuer,
    provider: host.provider,
    requests,
    inject(path, status, body, times = 1) {
      for (let i = 0; i < times; i += 1) injections.push({ path, status, body });
    },
    tokenRequests: (grantType) =>
      requests.filter((r) => r.path === '/token' && !r.injected && r.params['grant_type'] === grantType),
    observe: (listener) => {
      listeners.push(listener);
    },
    close: () => host.close(),
  };
}
