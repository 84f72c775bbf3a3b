import type { IncomingMessage, ServerResponse } from 'node:http';

import type Provider from 'oidc-provider';

import type { AuditSink } from '../audit/audit-event.js';
import { backoffDelayMs } from '../base/backoff.js';
import type { Clock } from '../base/clock.js';
import { BrokerError, messageOf } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import type { LoopbackHttp } from '../net/loopback-http.js';
import { mcpResourceUrl } from '../net/mcp-resource.js';
import { dataDirPath } from '../runtime/paths.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { type AccessTokenVerifier, scopeForServer } from './access-token.js';
import { JwtAccessTokenVerifier } from './access-token-verifier.js';
import { looksLikeApiKey } from './api-key-format.js';
import { ApiKeys } from './api-keys.js';
import { auditProviderEvents } from './authz-audit.js';
import { type AuthzKeys, loadAuthzKeys } from './authz-keys.js';
import { AuthzStateStore } from './authz-state-store.js';
import { ClientDocumentCache } from './client-document-cache.js';
import { ClientGrants } from './client-grants.js';
import { DEFAULT_CLIENT_DOCUMENT_LIMITS } from './client-id-metadata-document.js';
import { ConsentInteraction } from './consent-interaction.js';
import { ConsentRegistry } from './consent-registry.js';
import { createAdapterFactory } from './oidc-adapter.js';
import { loadOidcEngine } from './oidc-engine.js';
import { INTERACTION_PREFIX } from './pending-consents.js';
import { PendingConsents } from './pending-consents.js';
import { OAUTH_ROUTES, providerConfiguration } from './provider-configuration.js';
import { RegistrationGuard } from './registration-limits.js';
import { tokenRevocationHandler } from './token-revocation.js';

/** RFC 8414 §3 metadata path (the issuer has no path component). */
export const AS_METADATA_PATH = '/.well-known/oauth-authorization-server';
/** OpenID Connect Discovery 1.0 §4 path, served too for clients that probe it. */
export const OIDC_DISCOVERY_PATH = '/.well-known/openid-configuration';

export interface AuthorizationServerDeps {
  http: Pick<LoopbackHttp, 'url' | 'route' | 'refusals'>;
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
  clients: ClientGrantsApi;
  /** `keys create` / `keys list` / `keys revoke` and the window's Clients screen (issue 13.7). */
  apiKeys: ApiKeysApi;
  /** False when no key store was usable: registrations and grants end with this run. */
  persistent: boolean;
  /**
   * Consent requests waiting on the person, by request code: the window, browser mode and
   * `clients approve` decide them here (SEC-1).
   */
  pendingConsents: PendingConsents;
}

/** What the control API and the window use of ClientGrants. */
export type ClientGrantsApi = Pick<ClientGrants, 'list' | 'revoke' | 'revokeGrant'>;

/** What the control API and the window use of ApiKeys. */
export type ApiKeysApi = Pick<ApiKeys, 'create' | 'list' | 'revoke'>;

/** A locked keychain may wait on an unlock prompt; the broker starts anyway and retries. */
const KEY_STORE_TIMEOUT_MS = 15_000;
/** Backoff of the retries to read the keys from a store that did not answer (locked keychain). */
const KEY_RETRY = { initialMs: 1_000, maxMs: 30_000 };
const WAITING_MESSAGE =
  'The broker cannot read its authorization keys from the keychain yet (locked?). Unlock it: the broker retries by itself.';

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

/**
 * The keys, or undefined while the store does not answer (locked keychain): a store that fails is
 * never taken for an empty one, so no new keys replace the stored ones; the caller retries.
 */
async function keysFor(
  deps: AuthorizationServerDeps,
): Promise<{ keys: AuthzKeys; persistent: boolean } | undefined> {
  if (!deps.store) return { keys: await loadAuthzKeys(undefined), persistent: false };
  try {
    return { keys: await withTimeout(loadAuthzKeys(deps.store), KEY_STORE_TIMEOUT_MS), persistent: true };
  } catch (error) {
    deps.logger.warn(
      { err: messageOf(error) },
      'authorization server keys could not be read from the secret store; HTTP clients wait until it answers (retrying)',
    );
    return undefined;
  }
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

interface AuthzCore {
  provider: Provider;
  engine: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  interaction: ConsentInteraction;
  verifier: AccessTokenVerifier;
  clients: ClientGrants;
  apiKeys: ApiKeys;
  persistent: boolean;
}

/** 503 with Retry-After while the keys cannot be read: clients keep their tokens and try again. */
function answerWaiting(res: ServerResponse): void {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: WAITING_MESSAGE }));
}

function mountRoutes(deps: AuthorizationServerDeps, current: () => AuthzCore | undefined): void {
  const via =
    (handle: (core: AuthzCore, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>) =>
    (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> | undefined => {
      const core = current();
      if (!core) {
        answerWaiting(res);
        return;
      }
      return handle(core, req, res, url);
    };
  const viaEngine = via((core, req, res) => core.engine(req, res));
  deps.http.route('/oauth', viaEngine);
  deps.http.route(OIDC_DISCOVERY_PATH, viaEngine);
  deps.http.route(
    AS_METADATA_PATH,
    via((core, req, res, url) => {
      // Same document as OpenID discovery: one issuer, one set of endpoints (RFC 8414 §3).
      req.url = `${OIDC_DISCOVERY_PATH}${url.search}`;
      return core.engine(req, res);
    }),
  );
  const revocation = new WeakMap<AuthzCore, ReturnType<typeof tokenRevocationHandler>>();
  deps.http.route(
    OAUTH_ROUTES.revocation,
    via((core, req, res) => {
      let handler = revocation.get(core);
      if (!handler) {
        handler = tokenRevocationHandler({
          engine: (rq, rs) => core.engine(rq, rs),
          verifier: core.verifier,
          revokeGrant: (grantId, clientId) => core.clients.revokeGrant(grantId, clientId),
        });
        revocation.set(core, handler);
      }
      return handler(req, res);
    }),
  );
  deps.http.route(
    INTERACTION_PREFIX,
    via((core, req, res) => core.interaction.handle(req, res)),
  );
}

function openState(deps: AuthorizationServerDeps, keys: AuthzKeys, persistent: boolean): AuthzStateStore {
  return new AuthzStateStore({
    ...(persistent ? { path: dataDirPath(deps.dataDir, 'authzState'), key: keys.stateKey } : {}),
    clock: deps.clock,
    onUnreadable: (movedTo) =>
      deps.logger.warn(
        { movedTo },
        'authorization server state was unreadable (keys changed?); starting empty',
      ),
  });
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
    refusals: deps.http.refusals,
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
  const resource = mcpResourceUrl(issuer);
  const scopes = deps.servers.map(scopeForServer);
  const pendingConsents = new PendingConsents(issuer, deps.clock, deps.audit);
  const build = async (keys: AuthzKeys, persistent: boolean): Promise<AuthzCore> => {
    const state = openState(deps, keys, persistent);
    const provider = await createProvider(deps, { state, keys, resource, scopes });
    const consents = new ConsentRegistry(state, deps.clock);
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
    const apiKeys = new ApiKeys({
      state,
      clock: deps.clock,
      audit: deps.audit,
      resource,
      servers: deps.servers,
    });
    const callback = provider.callback();
    const engine = async (req: IncomingMessage, res: ServerResponse) => {
      await callback(req, res);
    };
    return { provider, engine, interaction, verifier, clients, apiKeys, persistent };
  };
  const found = await keysFor(deps);
  let core = found ? await build(found.keys, found.persistent) : undefined;
  if (!core && deps.store) retryKeys(deps, deps.store, async (keys) => (core = await build(keys, true)));
  mountRoutes(deps, () => core);
  const waiting = () => new BrokerError('SECRET_STORE_UNAVAILABLE', WAITING_MESSAGE);
  // An API key is told from a JWT by its prefix and never tried as one (nor a JWT as a key).
  const verifier: AccessTokenVerifier = {
    verify: (token) => {
      if (!core) return Promise.reject(waiting());
      return looksLikeApiKey(token) ? core.apiKeys.verify(token) : core.verifier.verify(token);
    },
  };
  const ready = (): AuthzCore => {
    if (!core) throw waiting();
    return core;
  };
  const apiKeys: ApiKeysApi = {
    create: (request) => ready().apiKeys.create(request),
    list: () => core?.apiKeys.list() ?? [],
    revoke: (name) => ready().apiKeys.revoke(name),
  };
  const clients: ClientGrantsApi = {
    list: () => core?.clients.list() ?? [],
    revoke: (clientId) => {
      if (!core) throw waiting();
      return core.clients.revoke(clientId);
    },
    revokeGrant: (grantId, clientId) => {
      if (!core) throw waiting();
      core.clients.revokeGrant(grantId, clientId);
    },
  };
  return {
    issuer,
    resource,
    verifier,
    clients,
    apiKeys,
    get persistent() {
      return core?.persistent ?? true;
    },
    pendingConsents,
  };
}

/** Reads the keys again with backoff until the store answers, then hands them to `ready`. */
function retryKeys(
  deps: AuthorizationServerDeps,
  store: SecretStore,
  ready: (keys: AuthzKeys) => Promise<unknown>,
  attempt = 1,
): void {
  const timer = setTimeout(
    () => {
      withTimeout(loadAuthzKeys(store), KEY_STORE_TIMEOUT_MS)
        .then(async (keys) => {
          await ready(keys);
          deps.logger.info(
            'authorization server keys read from the secret store; HTTP clients are served again',
          );
        })
        .catch(() => retryKeys(deps, store, ready, attempt + 1));
    },
    backoffDelayMs(KEY_RETRY, attempt),
  );
  timer.unref();
}
