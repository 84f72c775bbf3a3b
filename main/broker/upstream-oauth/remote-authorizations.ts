import { createHash } from 'node:crypto';

import type { AuthorizationServerMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import * as oidc from 'openid-client';

import type { AuditSink } from '../audit/audit-event.js';
import { BrokerError } from '../base/errors.js';
import type { RemoteServerConfig } from '../config/remote-server-config.js';
import type { ResolvedProvider } from '../providers/provider-discovery.js';
import { STANDARD_QUIRKS } from '../providers/provider-presets.js';
import type { SecretStore } from '../secrets/secret-store.js';
import {
  type Challenge,
  discoverRemoteAuthorization,
  type Fetch,
  type RemoteAuthorization,
} from './authorization-discovery.js';
import {
  type ClientAuthChoice,
  type ClientAuthMethod,
  clientSecretBasic,
  preRegisteredAuth,
} from './client-authentication.js';
import { forgetClient, obtainClient } from './client-registration.js';
import { dpopKeyName, dpopKeyPair, usesDPoP } from './dpop-binding.js';

/**
 * The MCP authorization client state of every `"auth": "oauth"` remote server. Each server is a
 * provider *account* of the issue-3 machinery (`mcp-<server>`): its tokens live in the keychain
 * through the TokenStore, are refreshed by the one TokenRefresher (one refresh in flight, rotation
 * safe) and signed in by the same browser flow (PKCE S256, `state`, `iss`, `resource`). This class
 * supplies the provider those need — discovered, checked and registered per server — plus the
 * challenge and step-up scopes it learned from the server's 401 / 403 answers.
 *
 * @see MCP authorization §2.3–§2.7; RFC 6750 §3.1 (insufficient_scope)
 */

export interface RemoteAuthorizationsDeps {
  servers: Record<string, RemoteServerConfig>;
  secrets: SecretStore;
  audit: AuditSink;
  fetch?: Fetch;
  /** TEST ONLY: admit an `http://127.0.0.1…` client ID metadata document URL (CL-4). */
  allowLoopbackClientMetadataUrl?: boolean;
}

interface ServerAuthState {
  challenge: Challenge;
  /** Scopes added by step-ups (CL-7), kept for the next sign-in. */
  stepUp: Set<string>;
  resolved: Promise<ResolvedProvider> | undefined;
  authorization: RemoteAuthorization | undefined;
  /** How the broker authenticated at the token endpoint last (the doctor shows it). */
  clientAuthMethod: ClientAuthMethod | undefined;
  /** The DPoP handle of the server (13.3); null: its AS does not use DPoP; undefined: not known yet. */
  dpop: oidc.DPoPHandle | null | undefined;
}

const PREFIX = 'mcp-';

/** The provider account id of remote server `server` (`mcp-linear`; long names are hashed). */
export function remoteAccountId(server: string): string {
  const plain = `${PREFIX}${server.toLowerCase()}`;
  if (plain.length <= 32) return plain;
  const hash = createHash('sha256').update(server).digest('hex').slice(0, 8);
  return `${plain.slice(0, 23)}-${hash}`;
}

/**
 * How the broker authenticates at the token endpoint: `none` for a public client; with a client
 * secret (an AS that registered the broker as confidential anyway), `client_secret_post` when the AS
 * lists it, else `client_secret_basic` — the default of an AS that lists nothing.
 *
 * @see RFC 8414 §2 (token_endpoint_auth_methods_supported); RFC 6749 §2.3.1
 */
export function tokenEndpointAuthMethod(
  clientSecret: string | undefined,
  metadata: Pick<AuthorizationServerMetadata, 'token_endpoint_auth_methods_supported'>,
): 'none' | 'client_secret_post' | 'client_secret_basic' {
  if (clientSecret === undefined) return 'none';
  const supported = metadata.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  return supported.includes('client_secret_post') ? 'client_secret_post' : 'client_secret_basic';
}

/** The client authentication of a registered (DCR) client, by `tokenEndpointAuthMethod`. */
function registeredAuth(
  clientSecret: string | undefined,
  metadata: Pick<AuthorizationServerMetadata, 'token_endpoint_auth_methods_supported'>,
): ClientAuthChoice {
  const method = tokenEndpointAuthMethod(clientSecret, metadata);
  if (clientSecret === undefined) return { method, auth: oidc.None() };
  const auth =
    method === 'client_secret_post' ? oidc.ClientSecretPost(clientSecret) : clientSecretBasic(clientSecret);
  return { method, auth };
}

/**
 * The client credentials grant of a machine client (issue 13.2), `resource` and scopes as for a
 * person's sign-in.
 *
 * @see RFC 6749 §4.4; RFC 8707 §2
 */
function clientCredentials(
  configuration: oidc.Configuration,
  scopes: string[],
  resource: string,
  dpop: oidc.DPoPHandle | undefined,
) {
  const parameters = { ...(scopes.length ? { scope: scopes.join(' ') } : {}), resource };
  return oidc.clientCredentialsGrant(configuration, parameters, dpop ? { DPoP: dpop } : undefined);
}

/** The command that signs a remote server in. */
export const loginCommand = (server: string) => `mcp-auth-broker login --server ${server}`;

export class RemoteAuthorizations {
  private readonly states = new Map<string, ServerAuthState>();
  private readonly byAccount = new Map<string, string>();
  private readonly fetchFn: Fetch;

  constructor(private readonly deps: RemoteAuthorizationsDeps) {
    this.fetchFn = deps.fetch ?? ((url, init) => fetch(url, init));
    for (const [name, config] of Object.entries(deps.servers)) {
      if (config.auth !== 'oauth') continue;
      this.byAccount.set(remoteAccountId(name), name);
      this.states.set(name, {
        challenge: {},
        stepUp: new Set(),
        resolved: undefined,
        authorization: undefined,
        clientAuthMethod: undefined,
        dpop: undefined,
      });
    }
  }

  /** Remote servers using MCP authorization, by name. */
  serverNames(): string[] {
    return [...this.states.keys()].sort();
  }

  /** The server whose provider account is `accountId`, if any. */
  serverOfAccount(accountId: string): string | undefined {
    return this.byAccount.get(accountId);
  }

  /** The provider for the issue-3 flows, when `accountId` is a remote server's; else undefined. */
  provider(accountId: string): Promise<ResolvedProvider> | undefined {
    const server = this.byAccount.get(accountId);
    if (server === undefined) return undefined;
    const state = this.state(server);
    if (!state.resolved) {
      const resolved = this.resolve(server, state);
      resolved.catch(() => {
        if (state.resolved === resolved) state.resolved = undefined;
      });
      state.resolved = resolved;
    }
    return state.resolved;
  }

  /** What discovery found last for `server` (the doctor and status show it). */
  authorization(server: string): RemoteAuthorization | undefined {
    return this.states.get(server)?.authorization;
  }

  /** How the broker authenticates at `server`'s token endpoint, once resolved. */
  clientAuthMethod(server: string): ClientAuthMethod | undefined {
    return this.states.get(server)?.clientAuthMethod;
  }

  /** True when the config names the client (`oauth` or `clientId`): never registered by the broker. */
  isPreRegistered(server: string): boolean {
    const config = this.deps.servers[server];
    return config?.oauth !== undefined || config?.clientId !== undefined;
  }

  /** True for a machine client (`"grant": "client_credentials"`): tokens need no person. */
  isMachineClient(server: string): boolean {
    return this.deps.servers[server]?.oauth?.grant === 'client_credentials';
  }

  /**
   * The DPoP handle for `server`'s resource requests (13.3), or undefined when its tokens are plain
   * bearer tokens. After a restart a stored DPoP key means bound tokens: the provider is resolved
   * once to bind the handle; otherwise nothing is fetched.
   */
  async dpop(server: string): Promise<oidc.DPoPHandle | undefined> {
    const state = this.state(server);
    if (state.dpop === undefined) {
      if ((await this.deps.secrets.get(dpopKeyName(server))) === undefined) state.dpop = null;
      else await this.provider(remoteAccountId(server));
    }
    return state.dpop ?? undefined;
  }

  /** Forgets what discovery found for `server`, so the next use discovers (and registers) afresh. */
  rediscover(server: string): void {
    this.state(server).resolved = undefined;
  }

  /** Remembers a 401 challenge (`resource_metadata`, `scope`) for the next discovery. */
  noteChallenge(server: string, challenge: Challenge): void {
    const state = this.state(server);
    const before = state.challenge.resourceMetadataUrl?.href;
    state.challenge = challenge;
    if (challenge.resourceMetadataUrl?.href !== before) state.resolved = undefined;
  }

  /**
   * CL-7 step-up after a 403 `insufficient_scope`: the next sign-in asks for the union of what was
   * granted, what earlier step-ups asked for, and the scopes the challenge names. Returns `sign-in`
   * while some of those are not granted yet; `refused` when all are granted and the server refuses
   * even so — asking again could only loop.
   */
  stepUp(server: string, scopes: string[], granted: readonly string[]): 'sign-in' | 'refused' {
    const state = this.state(server);
    const missing = scopes.filter((s) => !granted.includes(s));
    if (missing.length === 0) return 'refused';
    const before = state.stepUp.size;
    for (const scope of [...granted, ...scopes]) state.stepUp.add(scope);
    if (state.stepUp.size !== before) {
      state.resolved = undefined;
      this.deps.audit.record({
        type: 'upstream.step_up',
        outcome: 'ok',
        server,
        message: `scopes now asked for: ${[...state.stepUp].sort().join(' ')}`,
      });
    }
    return 'sign-in';
  }

  /** `invalid_client`: drops the registration so the next sign-in registers once more. */
  async clientRejected(server: string): Promise<void> {
    const state = this.state(server);
    state.resolved = undefined;
    await forgetClient(server, this.deps);
  }

  private state(server: string): ServerAuthState {
    const state = this.states.get(server);
    if (!state) {
      throw new BrokerError('SERVER_NOT_FOUND', `No remote server "${server}" using OAuth in the config.`);
    }
    return state;
  }

  private async resolve(server: string, state: ServerAuthState): Promise<ResolvedProvider> {
    const config = this.deps.servers[server];
    if (!config) throw new BrokerError('SERVER_NOT_FOUND', `No remote server "${server}" in the config.`);
    const found = await discoverRemoteAuthorization(config.url, state.challenge, this.fetchFn);
    state.authorization = found;
    const client = await obtainClient(server, config, found, { ...this.deps, fetch: this.fetchFn });
    const { method, auth } = config.oauth
      ? await preRegisteredAuth(server, config.oauth, found.metadata, this.deps.secrets)
      : registeredAuth(client.clientSecret, found.metadata);
    state.clientAuthMethod = method;
    const configuration = new oidc.Configuration(
      found.metadata as oidc.ServerMetadata,
      client.clientId,
      undefined,
      auth,
    );
    // CL-8 was checked for every URL; plain http remains only for loopback hosts.
    if (new URL(found.metadata.token_endpoint).protocol === 'http:') {
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      oidc.allowInsecureRequests(configuration);
    }
    state.dpop = usesDPoP(found.metadata, found.resourceMetadata)
      ? oidc.getDPoPHandle(configuration, await dpopKeyPair(server, this.deps.secrets))
      : null;
    const dpop = state.dpop ?? undefined;
    const scopes = new Set([...found.scopes, ...(config.scopes ?? []), ...state.stepUp]);
    return {
      id: remoteAccountId(server),
      config: configuration,
      quirks: STANDARD_QUIRKS,
      scopes: [...scopes],
      resource: found.resource,
      redirectPort: undefined,
      dpop,
      ...(config.oauth?.grant === 'client_credentials'
        ? { requestTokens: () => clientCredentials(configuration, [...scopes], found.resource, dpop) }
        : {}),
    };
  }
}
