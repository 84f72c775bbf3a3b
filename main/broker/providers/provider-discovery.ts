import * as client from 'openid-client';

import { BrokerError, messageOf } from '../base/errors.js';
import { requireHttpsOrLoopback } from '../net/loopback-host.js';
import { cliCommand } from '../runtime/cli-command.js';
import type { SecretStore } from '../secrets/secret-store.js';
import type { ProviderConfig } from './provider-config.js';
import { PRESETS, type ProviderQuirks, STANDARD_QUIRKS } from './provider-presets.js';
import { defaultFetch, type ProviderFetch, quirkFetch } from './quirk-fetch.js';

/** A provider ready for the flows: openid-client configuration plus what the broker asks for. */
export interface ResolvedProvider {
  id: string;
  config: client.Configuration;
  quirks: ProviderQuirks;
  scopes: string[];
  /** RFC 8707 resource to send, already dropped when the provider's quirks say it rejects it. */
  resource: string | undefined;
  redirectPort: number | undefined;
  /**
   * A machine client (client credentials, RFC 6749 §4.4): asks the token endpoint for tokens with no
   * person involved. Sign-in and every renewal call it instead of a browser flow or a refresh grant.
   */
  /** DPoP (RFC 9449): proofs on this provider's token requests, tokens bound to its key. */
  dpop?: client.DPoPHandle | undefined;
  requestTokens?:
    (() => Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers>) | undefined;
}

export interface ResolveDeps {
  secrets: SecretStore;
  fetch?: ProviderFetch;
}

/** `http:` is allowed only for loopback hosts (tests, local IdPs); everything else must be https. */
export function assertSecureUrl(url: string, what: string): URL {
  return requireHttpsOrLoopback(
    url,
    () =>
      new BrokerError('PROVIDER_CONFIG_INVALID', `${what} ${url} must use https (http only on 127.0.0.1).`),
  );
}

async function clientAuth(id: string, provider: ProviderConfig, secrets: SecretStore) {
  if (provider.clientSecret === undefined) return { auth: client.None(), secret: undefined };
  const name = provider.clientSecret.secret;
  const secret = await secrets.get(name);
  if (secret === undefined) {
    throw new BrokerError(
      'SECRET_NOT_FOUND',
      `Provider "${id}" needs its client secret "${name}", which is not in the keychain. Run: ${cliCommand(`secret set ${name}`)}`,
    );
  }
  return { auth: client.ClientSecretPost(secret), secret };
}

async function discover(id: string, issuer: URL, clientId: string, auth: client.ClientAuth) {
  const insecure = issuer.protocol === 'http:';
  try {
    return await client.discovery(issuer, clientId, undefined, auth, {
      // openid-client marks this deprecated to make it stand out: http is allowed for loopback only.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
    });
  } catch (error) {
    throw new BrokerError(
      'PROVIDER_DISCOVERY_FAILED',
      `Could not discover provider "${id}" at ${issuer.href}: ${messageOf(error)}. Check "issuer" in the config and the network.`,
      { cause: error },
    );
  }
}

/**
 * Builds the openid-client configuration of provider `id`: from its preset's fixed endpoints, or by
 * RFC 8414 / OpenID discovery of its issuer. A client secret is read from the secret store.
 *
 * @see RFC 8414 §3, RFC 8707 §2
 */
export async function resolveProvider(
  id: string,
  provider: ProviderConfig,
  deps: ResolveDeps,
): Promise<ResolvedProvider> {
  const preset = provider.preset === undefined ? undefined : PRESETS[provider.preset];
  const quirks = preset?.quirks ?? STANDARD_QUIRKS;
  const { auth } = await clientAuth(id, provider, deps.secrets);
  let config: client.Configuration;
  if (preset) {
    const metadata = preset.metadata(provider);
    const endpoint = assertSecureUrl(String(metadata.token_endpoint), `Provider "${id}" endpoint`);
    config = new client.Configuration(metadata, provider.clientId, undefined, auth);
    // Loopback only (assertSecureUrl): tests and local IdPs.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    if (endpoint.protocol === 'http:') client.allowInsecureRequests(config);
  } else {
    const issuer = assertSecureUrl(provider.issuer ?? '', `Provider "${id}" issuer`);
    config = await discover(id, issuer, provider.clientId, auth);
  }
  const fetcher = quirkFetch(quirks, deps.fetch ?? defaultFetch);
  config[client.customFetch] = (url, options) => fetcher(url, options as RequestInit);
  return {
    id,
    config,
    quirks,
    scopes: provider.scopes ?? [...(preset?.defaultScopes ?? ['openid', 'offline_access'])],
    resource: quirks.sendResource ? provider.resource : undefined,
    redirectPort: provider.redirectPort,
  };
}
