import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
} from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  AuthorizationServerMetadata,
  OAuthProtectedResourceMetadata,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { checkResourceAllowed } from '@modelcontextprotocol/sdk/shared/auth-utils.js';

import { BrokerError, isBrokerError, messageOf } from '../base/errors.js';
import { requireHttpsOrLoopback } from '../net/loopback-host.js';

/**
 * Discovery of a remote MCP server's authorization (the "Broker as OAuth client" checklist, CL-1 …
 * CL-3, CL-7, CL-8): the protected resource metadata from the 401 challenge or probed (path-suffixed,
 * then root), the authorization server's metadata in the MCP spec's order, then the checks the SDK
 * leaves out — the issuer must be the URL it was discovered from and S256 must be advertised.
 *
 * @see RFC 9728 §3, §5.1; RFC 8414 §3.1, §3.3; RFC 7636 §4.2; MCP authorization §2.3, §2.4
 */

export type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** One HTTP request of discovery, as the doctor prints it (no bodies, no headers). */
export interface DiscoveryRequest {
  method: string;
  url: string;
  status: number | 'network-error';
}

export interface Challenge {
  resourceMetadataUrl?: URL | undefined;
  scope?: string | undefined;
}

export interface RemoteAuthorization {
  /** Canonical resource URI sent as `resource` (the metadata's `resource`, verbatim). */
  resource: string;
  resourceMetadata: OAuthProtectedResourceMetadata;
  authorizationServer: string;
  metadata: AuthorizationServerMetadata;
  /** CL-7: from the challenge, else `scopes_supported`, else none. */
  scopes: string[];
  /**
   * 13.4: the server publishes no RFC 9728 metadata, so the 2025-03-26 rule was used (the AS at the
   * server's origin); `default-endpoints` when that origin has no AS metadata either.
   */
  legacy?: 'origin-as' | 'default-endpoints' | undefined;
}

/** CL-8: https everywhere except loopback hosts (`ws`/`wss` likewise). */
export function assertSecureRemoteUrl(url: string | URL, what: string): URL {
  return requireHttpsOrLoopback(
    url,
    (parsed) =>
      new BrokerError(
        'UPSTREAM_INSECURE_URL',
        `${what} ${parsed.origin} is not https. The broker only sends credentials over https (plain http only to 127.0.0.1/localhost); change the URL to https.`,
      ),
    { websocket: true },
  );
}

/** A fetch that refuses non-https, non-loopback URLs and records every request in `log`. */
export function guardedFetch(base: Fetch, log: DiscoveryRequest[] = []): Fetch {
  return async (url, init) => {
    const target = assertSecureRemoteUrl(url, 'The URL');
    const method = init?.method ?? 'GET';
    try {
      const response = await base(target, init);
      log.push({ method, url: target.href, status: response.status });
      return response;
    } catch (error) {
      log.push({ method, url: target.href, status: 'network-error' });
      throw error;
    }
  };
}

const sameIssuer = (a: string, b: string) => a.replace(/\/$/, '') === b.replace(/\/$/, '');

/**
 * CL-1: RFC 9728 metadata from the challenge URL, else path-suffixed, else root (SDK order). A
 * WebSocket server's well-known URLs are those of its `http(s)` form (RFC 9728 §3 is HTTP).
 */
export async function fetchResourceMetadata(
  serverUrl: URL,
  challenge: Challenge,
  fetchFn: Fetch,
): Promise<OAuthProtectedResourceMetadata> {
  try {
    return await discoverOAuthProtectedResourceMetadata(
      new URL(serverUrl.href.replace(/^ws(s?):/, 'http$1:')),
      challenge.resourceMetadataUrl ? { resourceMetadataUrl: challenge.resourceMetadataUrl } : {},
      fetchFn,
    );
  } catch (error) {
    if (error instanceof BrokerError) throw error;
    throw new BrokerError(
      'UPSTREAM_AUTH_FAILED',
      `${serverUrl.href} publishes no OAuth protected resource metadata (RFC 9728): ${messageOf(error)}. The server must serve /.well-known/oauth-protected-resource (or name it in its 401 challenge); ask its operator, or configure "auth" as a static header or a provider.`,
      { cause: error },
    );
  }
}

/**
 * 13.4 (MCP 2025-03-26 §2.3.2): a server without RFC 9728 metadata has its authorization server at
 * its own origin (the URL with the path dropped), and the server itself is the resource.
 */
export function legacyResourceMetadata(server: URL): OAuthProtectedResourceMetadata {
  return { resource: server.href, authorization_servers: [server.origin] };
}

/** 13.4 (MCP 2025-03-26 §2.3.3): the endpoints to use when the origin publishes no AS metadata. */
export function defaultEndpoints(origin: string): AuthorizationServerMetadata {
  return {
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    registration_endpoint: `${origin}/register`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
  };
}

/**
 * RFC 9728 metadata, or the 2025-03-26 fallback when the server answered but serves none (a network
 * failure or a CL-8 refusal is not "no metadata" and stays an error).
 */
export async function resourceMetadataOrLegacy(
  server: URL,
  challenge: Challenge,
  fetchFn: Fetch,
): Promise<{ resourceMetadata: OAuthProtectedResourceMetadata; legacy: boolean }> {
  try {
    return { resourceMetadata: await fetchResourceMetadata(server, challenge, fetchFn), legacy: false };
  } catch (error) {
    const cause = error instanceof Error ? error.cause : undefined;
    const answered = isBrokerError(error, 'UPSTREAM_AUTH_FAILED') && !(cause instanceof TypeError);
    if (!answered || challenge.resourceMetadataUrl !== undefined) throw error;
    return { resourceMetadata: legacyResourceMetadata(server), legacy: true };
  }
}

/** CL-3: the issuer must be the discovered URL and PKCE S256 must be advertised. */
export function checkAuthorizationServer(issuerUrl: string, metadata: AuthorizationServerMetadata): void {
  if (!sameIssuer(metadata.issuer, issuerUrl)) {
    throw new BrokerError(
      'UPSTREAM_AUTH_FAILED',
      `The authorization server metadata fetched for ${issuerUrl} names the issuer ${metadata.issuer}; they must be the same (RFC 8414 §3.3), so it was refused. The server's metadata or its "authorization_servers" entry is misconfigured.`,
    );
  }
  if (!metadata.code_challenge_methods_supported?.includes('S256')) {
    throw new BrokerError(
      'UPSTREAM_AUTH_FAILED',
      `The authorization server ${issuerUrl} does not advertise PKCE S256 (code_challenge_methods_supported), which MCP requires; it was refused. Its operator must enable S256.`,
    );
  }
}

/** Runs discovery for `serverUrl`; every URL on the way must pass CL-8. */
export async function discoverRemoteAuthorization(
  serverUrl: string,
  challenge: Challenge,
  fetchFn: Fetch,
): Promise<RemoteAuthorization> {
  const server = assertSecureRemoteUrl(serverUrl, 'The MCP server');
  const guarded = guardedFetch(fetchFn);
  const { resourceMetadata, legacy } = await resourceMetadataOrLegacy(server, challenge, guarded);
  if (!checkResourceAllowed({ requestedResource: server, configuredResource: resourceMetadata.resource })) {
    throw new BrokerError(
      'UPSTREAM_AUTH_FAILED',
      `The protected resource metadata of ${server.href} is for another resource (${resourceMetadata.resource}); it was refused (RFC 9728 §3.3).`,
    );
  }
  const authorizationServer = resourceMetadata.authorization_servers?.[0];
  if (authorizationServer === undefined) {
    throw new BrokerError(
      'UPSTREAM_AUTH_FAILED',
      `The protected resource metadata of ${server.href} names no authorization server ("authorization_servers").`,
    );
  }
  assertSecureRemoteUrl(authorizationServer, 'The authorization server');
  const found = await discoverAuthorizationServerMetadata(authorizationServer, { fetchFn: guarded });
  const metadata = found ?? (legacy ? defaultEndpoints(authorizationServer) : undefined);
  if (!metadata) {
    throw new BrokerError(
      'UPSTREAM_AUTH_FAILED',
      `No authorization server metadata found for ${authorizationServer} (tried RFC 8414 and OpenID discovery URLs).`,
    );
  }
  checkAuthorizationServer(authorizationServer, metadata);
  const fromChallenge = challenge.scope?.split(' ').filter(Boolean);
  const scopes = fromChallenge?.length ? fromChallenge : (resourceMetadata.scopes_supported ?? []);
  return {
    ...{ resource: resourceMetadata.resource, resourceMetadata, authorizationServer, metadata, scopes },
    ...(legacy ? { legacy: found ? ('origin-as' as const) : ('default-endpoints' as const) } : {}),
  };
}
