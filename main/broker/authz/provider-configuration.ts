import type { AdapterFactory, Configuration, ErrorOut, KoaContextWithOIDC } from 'oidc-provider';

import type { AuthzKeys } from './authz-keys.js';
import { errorPageBody, renderPage } from './consent-page.js';
import type { OidcEngine } from './oidc-engine.js';
import { INTERACTION_PREFIX } from './pending-consents.js';
import { redirectUrisRefusal } from './redirect-uri-policy.js';

/** Lifetime of access tokens: short, so a revoked grant stops working soon even for cached JWTs. */
export const ACCESS_TOKEN_TTL_SECONDS = 600;

/** oidc-provider route paths, all below `/oauth` so the broker's router sends them to the engine. */
export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  jwks: '/oauth/jwks',
  userinfo: '/oauth/userinfo',
  end_session: '/oauth/logout',
  introspection: '/oauth/introspect',
  pushed_authorization_request: '/oauth/par',
  device_authorization: '/oauth/device',
  code_verification: '/oauth/device/verify',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
} as const;

export interface ProviderConfigDeps {
  /** oidc-provider's error classes (the module is loaded lazily, see oidc-engine.ts). */
  errors: OidcEngine['errors'];
  adapter: AdapterFactory;
  keys: AuthzKeys;
  /** The one resource the broker serves: its `/mcp` URL (RFC 8707), the `aud` of every token. */
  resource: string;
  /** `mcp:servers:<name>` for every configured server. */
  scopes: string[];
  /** Why a URL client id was refused (CIMD), for the error page. */
  clientDocumentFailure: (clientId: string) => string | undefined;
}

/**
 * Every client of the broker is a public native client: forced to `application_type: native`
 * (so loopback redirect URIs may vary in port, RFC 8252 §7.3), `token_endpoint_auth_method: none`,
 * code + refresh_token grants, and redirect URIs limited by {@link redirectUrisRefusal}. oidc-provider
 * calls this for registrations (RFC 7591), stored clients and metadata documents alike.
 */
const clientPolicy =
  (errors: OidcEngine['errors']) =>
  (_ctx: unknown, key: string, _value: unknown, metadata: Record<string, unknown>): void => {
    if (key !== 'software_id') return;
    metadata['application_type'] = 'native';
    metadata['token_endpoint_auth_method'] = 'none';
    metadata['grant_types'] = ['authorization_code', 'refresh_token'];
    metadata['response_types'] = ['code'];
    const refusal = redirectUrisRefusal(metadata['redirect_uris']);
    if (refusal) throw new errors.InvalidClientMetadata(`redirect_uris: ${refusal}`);
  };

function renderErrorPage(deps: ProviderConfigDeps) {
  return (ctx: KoaContextWithOIDC, out: ErrorOut): void => {
    const clientId = ctx.oidc.params?.['client_id'];
    const cimd = typeof clientId === 'string' ? deps.clientDocumentFailure(clientId) : undefined;
    const description = cimd
      ? `The client's metadata document at ${clientId as string} was refused: ${cimd}.`
      : (out.error_description ?? 'The request could not be processed.');
    const { html, headers } = renderPage('Authorization error', errorPageBody(out.error, description));
    ctx.set(headers);
    ctx.type = 'html';
    ctx.body = html;
  };
}

/** The oidc-provider configuration of the broker's authorization server. */
export function providerConfiguration(deps: ProviderConfigDeps): Configuration {
  const { resource } = deps;
  return {
    adapter: deps.adapter,
    jwks: { keys: [deps.keys.signingJwk] },
    cookies: { keys: [deps.keys.cookieKey] },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    scopes: ['openid', ...deps.scopes],
    claims: { openid: ['sub'] },
    responseTypes: ['code'],
    pkce: { required: () => true },
    routes: OAUTH_ROUTES,
    clientDefaults: {
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'ES256',
    },
    extraClientMetadata: { properties: ['software_id'], validator: clientPolicy(deps.errors) },
    clientAuthMethods: ['none'],
    clientBasedCORS: () => false,
    features: {
      devInteractions: { enabled: false },
      // On by default in oidc-provider. `/mcp` takes only Bearer tokens (RFC 6750) and verifies no
      // DPoP proofs, so advertising DPoP and minting `cnf`-bound tokens would promise a sender
      // constraint nobody checks (SEC-8).
      dPoP: { enabled: false },
      registration: { enabled: true, issueRegistrationAccessToken: false },
      // RFC 7009 §2.1: a client may revoke only its own tokens (others are ignored silently).
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== resource)
            throw new deps.errors.InvalidTarget(`this broker only serves ${resource}`);
          return {
            scope: deps.scopes.join(' '),
            audience: resource,
            accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    extraTokenClaims: (_ctx, token) => ('grantId' in token ? { gid: token.grantId } : {}),
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 30 * 24 * 3600,
      Grant: 90 * 24 * 3600,
      RefreshToken: 30 * 24 * 3600,
    },
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PREFIX}/${interaction.uid}` },
    renderError: renderErrorPage(deps),
    discovery: { client_id_metadata_document_supported: true },
  };
}
