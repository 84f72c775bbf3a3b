import { registerClient } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { z } from 'zod';

import type { AuditSink } from '../audit/audit-event.js';
import { BrokerError, messageOf } from '../base/errors.js';
import type { RemoteServerConfig } from '../config/remote-server-config.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { type Fetch, guardedFetch, type RemoteAuthorization } from './authorization-discovery.js';

/**
 * The broker's client identity at a remote server's authorization server (CL-4): a pre-registered
 * `clientId` when configured; else a client ID metadata document URL when the AS supports it; else
 * dynamic client registration as a native app with a loopback redirect (RFC 7591, RFC 8252 §7.3).
 * A registration is kept in the secret store (it may carry a client secret), bound to its issuer.
 */

/** Loopback redirect registered for DCR; the AS must accept any port on it (RFC 8252 §7.3). */
export const LOOPBACK_REDIRECT_URI = 'http://127.0.0.1/callback';

const StoredClientSchema = z.object({
  issuer: z.string(),
  clientId: z.string().min(1),
  clientSecret: z.string().optional(),
});
export type RemoteClient = z.infer<typeof StoredClientSchema> & { how: 'pre-registered' | 'cimd' | 'dcr' };

/** The keychain item of a server's registration: `mcp-client:<server>`. */
export const clientSecretName = (server: string) => `mcp-client:${server}`;

/**
 * What the broker registers (sent to the AS; no secrets). No `scope`: a registration limited to the
 * first scopes would make every later step-up (CL-7) fail with `invalid_scope`.
 */
export function brokerClientMetadata(): OAuthClientMetadata {
  return {
    client_name: 'MCP Auth Broker',
    redirect_uris: [LOOPBACK_REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    // RFC 8252 / OpenID DCR: a native app, so loopback http redirects are allowed.
    ...({ application_type: 'native' } as object),
  };
}

export interface ClientRegistrationDeps {
  secrets: SecretStore;
  audit: AuditSink;
  fetch: Fetch;
  /** TEST ONLY: admit an `http://127.0.0.1…` client ID metadata document URL. */
  allowLoopbackClientMetadataUrl?: boolean | undefined;
}

/**
 * The client ID metadata document URL to use as `client_id`. The authorization server fetches it
 * itself, so it must be https (CIMD §3); a loopback http URL only works when the AS runs on the same
 * machine — the broker's tests — and is admitted only with their explicit option.
 */
function clientMetadataUrl(server: string, url: string, deps: ClientRegistrationDeps): string {
  if (new URL(url).protocol === 'https:' || deps.allowLoopbackClientMetadataUrl === true) return url;
  throw new BrokerError(
    'UPSTREAM_INSECURE_URL',
    `The "clientMetadataUrl" of "${server}" (${url}) is not https; an authorization server only fetches client ID metadata documents over https. Publish the document at an https URL, or remove "clientMetadataUrl" to use dynamic registration.`,
  );
}

async function loadStored(deps: ClientRegistrationDeps, server: string, issuer: string) {
  const text = await deps.secrets.get(clientSecretName(server));
  if (text === undefined) return undefined;
  const parsed = StoredClientSchema.safeParse(JSON.parse(text));
  return parsed.success && parsed.data.issuer === issuer ? parsed.data : undefined;
}

/** CL-4: the client to use for `server`, registering it (once) when nothing else fits. */
export async function obtainClient(
  server: string,
  config: RemoteServerConfig,
  auth: RemoteAuthorization,
  deps: ClientRegistrationDeps,
): Promise<RemoteClient> {
  const issuer = auth.authorizationServer;
  const preRegistered = config.oauth?.clientId ?? config.clientId;
  if (preRegistered !== undefined) return { issuer, clientId: preRegistered, how: 'pre-registered' };
  const cimd = auth.metadata.client_id_metadata_document_supported === true;
  if (config.clientMetadataUrl !== undefined && cimd) {
    return { issuer, clientId: clientMetadataUrl(server, config.clientMetadataUrl, deps), how: 'cimd' };
  }
  const stored = await loadStored(deps, server, issuer);
  if (stored) return { ...stored, how: 'dcr' };
  if (auth.metadata.registration_endpoint === undefined) {
    throw new BrokerError(
      'UPSTREAM_AUTH_FAILED',
      `The authorization server ${issuer} of "${server}" offers no dynamic client registration; register a client there and set "clientId" for "${server}" in the broker config.`,
    );
  }
  let info;
  try {
    info = await registerClient(issuer, {
      metadata: auth.metadata,
      clientMetadata: brokerClientMetadata(),
      fetchFn: guardedFetch(deps.fetch),
    });
  } catch (error) {
    deps.audit.record({
      type: 'upstream.auth_failed',
      outcome: 'error',
      server,
      errorCode: 'UPSTREAM_AUTH_FAILED',
      message: `client registration refused: ${messageOf(error)}`,
    });
    throw new BrokerError(
      'UPSTREAM_AUTH_FAILED',
      `The authorization server ${issuer} refused to register the broker for "${server}" (${messageOf(error)}). Register a client with redirect URI ${LOOPBACK_REDIRECT_URI} there and set "clientId".`,
      { cause: error },
    );
  }
  const client = {
    issuer,
    clientId: info.client_id,
    ...(info.client_secret === undefined ? {} : { clientSecret: info.client_secret }),
  };
  await deps.secrets.set(clientSecretName(server), JSON.stringify(client));
  deps.audit.record({
    type: 'upstream.registered',
    outcome: 'ok',
    server,
    secretName: clientSecretName(server),
  });
  return { ...client, how: 'dcr' };
}

/** Drops a registration the AS no longer accepts (`invalid_client`) so the next sign-in registers again. */
export async function forgetClient(server: string, deps: Pick<ClientRegistrationDeps, 'secrets' | 'audit'>) {
  const deleted = await deps.secrets.delete(clientSecretName(server));
  deps.audit.record({
    type: 'upstream.reregister',
    outcome: 'ok',
    server,
    message: deleted ? 'registration dropped after invalid_client' : 'no stored registration',
  });
}
