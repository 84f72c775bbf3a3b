import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type Provider from 'oidc-provider';
import type { AuditSink } from '../audit/audit-event.js';
import type { Clock } from '../clock.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SecretStore } from '../secrets/secret-store.js';
import type { LoopbackHttp } from '../server/loopback-http.js';
import { scopeForServer, type AccessTokenVerifier } from './access-token.js';
import { JwtAccessTokenVerifier } from './access-token-verifier.js';
import { auditProviderEvents } from './authz-audit.js';
import { loadAuthzKeys, type AuthzKeys } from './authz-keys.js';
import { AuthzStateStore } from './authz-state-store.js';
import { ClientDocumentCache } from './client-document-cache.js';
import { DEFAULT_CLIENT_DOCUMENT_LIMITS } from './client-id-metadata-document.js';
import { ClientGrants } from './client-grants.js';
import { ConsentInteraction, INTERACTION_PREFIX } from './consent-interaction.js';
import { ConsentRegistry } from './consent-registry.js';
import { PendingConsents } from './pending-consents.js';
import { createAdapterFactory } from './oidc-adapter.js';
import { tokenRevocationHandler } from './token-revocation.js';
import { loadOidcEngine } from './oidc-engine.js';
import { OAUTH_ROUTES, providerConfiguration } from './provider-configuration.js';
import { RegistrationGuard } from './registration-limits.js';

/** RFC 8414 §3 metadata path (the issuer has no path component). */
export const AS_METADATA_PATH = '/.well-known/oauth-authorization-server';
/** OpenID Connect Discovery 1.0 §4 path, served too for clients that probe it. */
export const OIDC_DISCOVERY_PATH = '/.well-known/openid-configuration';

export interface AuthorizationServerDeps {
  http: Pick<LoopbackHttp, 'url' | 'route'>;
  /** Names of the enabled servers; each becomes the scope `mcp:servers:<name>`. */
  servers: string[];
  /** Where keys live; undefined (or unusable) = keys for this run only, nothing persisted. */
  store: SecretStore | undefined;
  dataDir: string;
  audit: AuditSink;
  logger: Logger;
  clock: Clock;
  /** TEST ONLY: accept `http://127.0.0.1…` Client ID Metadata Document URLs. */
  allowLoopbackClientDocuments?: boolean;
}

/** What the broker (and its protected resource) gets from the authorization server. */
export interface AuthorizationServer {
  /** `http://127.0.0.1:<port>`, byte-exact, no trailing slash. */
  issuer: string;
  /** `http://127.0.0.1:<port>/mcp`: the audience of every access token. */
  resource: string;
  /** For `/mcp` and `/ws`: verifies access tokens, refusing revoked ones at once. */
  verifier: AccessTokenVerifier;
  /** `clients` / `clients revoke`. */
  clients: ClientGrants;
  /** False when no key store was usable: registrations and grants end with this run. */
  persistent: boolean;
  /**
   * Consent requests waiting on the person, by request code: the window, browser mode and
   * `clients approve` decide them here (SEC-1).
   */
  pendingConsents: PendingConsents;
}

/** A locked keychain may wait on an unlock prompt; the broker starts anyway (keys for this run). */
const KEY_STORE_TIMEOUT_MS = 15_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the secret store did not answer in ${String(ms / 1000)} s`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function keysFor(deps: AuthorizationServerDeps): Promise<{ keys: AuthzKeys; persistent: boolean }> {
  if (deps.store) {
    try {
      return { keys: await withTimeout(loadAuthzKeys(deps.store), KEY_STORE_TIMEOUT_MS), persistent: true };
    } catch (error) {
      deps.logger.warn(
        { err: messageOf(error) },
        'authorization server keys could not be read from the secret store; clients and grants will not survive a restart',
      );
    }
  }
  return { keys: await loadAuthzKeys(undefined), persistent: false };
}

/**
 * An authorization request that names no server scope asks for every server: the person then picks on
 * the consent page. (Without this, oidc-provider would end a scope-less request with access_denied,
 * since a grant only ever covers requested scopes.)
 */
function askAllServersByDefault(provider: Provider, scopes: string[]): void {
  provider.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === OAUTH_ROUTES.authorization) {
      const scope = typeof ctx.query['scope'] === 'string' ? ctx.query['scope'] : '';
      if (!scope.split(' ').some((s) => scopes.includes(s)))
        ctx.query = { ...ctx.query, scope: [scope, ...scopes].filter(Boolean).join(' ') };
    }
    await next();
  });
}

function mountRoutes(
  deps: AuthorizationServerDeps,
  parts: {
    provider: Provider;
    interaction: ConsentInteraction;
    verifier: AccessTokenVerifier;
    clients: ClientGrants;
  },
): void {
  const engine = parts.provider.callback();
  const viaEngine = (req: IncomingMessage, res: ServerResponse) => engine(req, res);
  deps.http.route('/oauth', viaEngine);
  deps.http.route(OIDC_DISCOVERY_PATH, viaEngine);
  deps.http.route(AS_METADATA_PATH, (req, res, url) => {
    // Same document as OpenID discovery: one issuer, one set of endpoints (RFC 8414 §3).
    req.url = `${OIDC_DISCOVERY_PATH}${url.search}`;
    return engine(req, res);
  });
  deps.http.route(
    OAUTH_ROUTES.revocation,
    tokenRevocationHandler({
      engine: viaEngine,
      verifier: parts.verifier,
      revokeGrant: (grantId, clientId) => parts.clients.revokeGrant(grantId, clientId),
    }),
  );
  deps.http.route(INTERACTION_PREFIX, (req, res) => parts.interaction.handle(req, res));
}

async function openState(deps: AuthorizationServerDeps) {
  const { keys, persistent } = await keysFor(deps);
  const state = new AuthzStateStore({
    ...(persistent ? { path: join(deps.dataDir, 'authz', 'authz-state.enc.json'), key: keys.stateKey } : {}),
    clock: deps.clock,
    onUnreadable: (movedTo) =>
      deps.logger.warn(
        { movedTo },
        'authorization server state was unreadable (keys changed?); starting empty',
      ),
  });
  return { keys, persistent, state };
}

async function createProvider(
  deps: AuthorizationServerDeps,
  parts: { state: AuthzStateStore; keys: AuthzKeys; resource: string; scopes: string[] },
): Promise<Provider> {
  const documents = new ClientDocumentCache(
    { allowLoopbackHttp: deps.allowLoopbackClientDocuments === true, ...DEFAULT_CLIENT_DOCUMENT_LIMITS },
    deps.clock,
  );
  const engine = await loadOidcEngine(deps.logger);
  const provider = new engine.default(
    deps.http.url,
    providerConfiguration({
      errors: engine.errors,
      adapter: createAdapterFactory(parts.state, (id) => documents.resolve(id)),
      keys: parts.keys,
      resource: parts.resource,
      scopes: parts.scopes,
      clientDocumentFailure: (id) => documents.failureFor(id),
    }),
  );
  provider.on('server_error', (_ctx: unknown, err: unknown) => {
    deps.logger.warn({ err: messageOf(err) }, 'authorization server error');
  });
  auditProviderEvents(provider, deps.audit);
  new RegistrationGuard({
    state: parts.state,
    clock: deps.clock,
    audit: deps.audit,
    path: OAUTH_ROUTES.registration,
  }).mount(provider);
  askAllServersByDefault(provider, parts.scopes);
  return provider;
}

/**
 * The broker as OAuth 2.1 authorization server for HTTP MCP clients, with oidc-provider (OpenID
 * certified) as the engine, mounted on the loopback router: RFC 8414 metadata, authorization code +
 * PKCE S256 only, RFC 7591 registration and Client ID Metadata Documents for public native clients,
 * RFC 8707 resource indicators (the only resource is `/mcp`), RFC 9207 `iss`, short-lived JWT access
 * tokens (RFC 9068), rotating refresh tokens with reuse detection, RFC 7009 revocation, and the
 * broker's own consent page.
 */
export async function attachAuthorizationServer(deps: AuthorizationServerDeps): Promise<AuthorizationServer> {
  const issuer = deps.http.url;
  const resource = `${issuer}/mcp`;
  const scopes = deps.servers.map(scopeForServer);
  const { keys, persistent, state } = await openState(deps);
  const provider = await createProvider(deps, { state, keys, resource, scopes });
  const consents = new ConsentRegistry(state, deps.clock);
  const pendingConsents = new PendingConsents(issuer, deps.clock, deps.audit);
  const interaction = new ConsentInteraction({
    provider,
    consents,
    resource,
    serverScopes: new Map(deps.servers.map((name) => [name, scopeForServer(name)])),
    pending: pendingConsents,
  });
  const verifier = new JwtAccessTokenVerifier({
    issuer,
    resource,
    signingJwk: keys.signingJwk,
    grantAlive: (grantId) => state.get('Grant', grantId) !== undefined,
    clock: deps.clock,
  });
  const clients = new ClientGrants(state, consents, deps.audit);
  mountRoutes(deps, { provider, interaction, verifier, clients });
  return { issuer, resource, verifier, clients, persistent, pendingConsents };
}
