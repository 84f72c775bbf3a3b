import type {
  ApiKeyList,
  ApiOutput,
  BrokerApiHandlers,
  ClientList,
  ProviderList,
  TokenList,
} from '../../contract/window-api.js';
import type { PendingConsents } from '../authz/pending-consents.js';
import { BrokerError } from '../base/errors.js';
import type { RemoteServerConfig } from '../config/remote-server-config.js';

/**
 * Features other parts of the broker plug into the UI contract when they exist: provider sign-in
 * and the tokens it holds (issue #3), and the MCP clients approved by the broker's authorization
 * server (issue #4). While a feature is absent, its calls answer with `available: false` and a
 * message saying how to turn it on.
 */
export interface ProvidersFeature {
  listProviders(): Promise<ProviderList['providers']>;
  /** Starts a sign-in; a device flow returns the code to show, a PKCE flow opens the browser itself. */
  signIn(provider: string): Promise<ApiOutput<'signIn'>>;
  signOut(account: string): Promise<void>;
  listTokens(): Promise<TokenList['tokens']>;
  refreshToken(id: string): Promise<void>;
  revokeToken(id: string): Promise<void>;
}

export interface ClientsFeature {
  listClients(): Promise<ClientList['clients']>;
  revokeClient(clientId: string): Promise<void>;
  /** API keys of local non-interactive clients (issue 13.7), metadata only. */
  listApiKeys(): Promise<ApiKeyList['keys']>;
  revokeApiKey(name: string): Promise<void>;
}

/** Remote MCP servers (issue #5): their entries, and how to swap one in after a config edit. */
export interface RemoteServersFeature {
  configs(): Readonly<Record<string, RemoteServerConfig>>;
  put(name: string, config: RemoteServerConfig): Promise<void>;
  /** Stops and forgets one whose entry was removed from the config. */
  remove(name: string): Promise<void>;
}

/** The person's decisions on consent requests, by request code (SEC-1). */
export type ConsentsFeature = Pick<PendingConsents, 'approve' | 'deny'>;

/** Which of the person's sessions a call came through: the desktop window, or browser mode. */
export type UiChannel = 'window' | 'ui';

/** Each stdio server's redacted stderr log on disk (issue 15.3). */
export interface ServerLogsFeature {
  tail(name: string, count: number): Promise<string[]>;
}

export interface BrokerFeatures {
  serverLogs?: ServerLogsFeature;
  providers?: ProvidersFeature;
  clients?: ClientsFeature;
  consents?: ConsentsFeature;
  remoteServers?: RemoteServersFeature;
}

export const PROVIDERS_MISSING =
  'Provider sign-in is not configured: add a provider (e.g. GitHub) to the "providers" section of the config file, then restart the broker.';
export const CONSENTS_MISSING =
  'The broker’s authorization server is not running, so there are no consent requests to answer.';
export const CLIENTS_MISSING =
  'No MCP clients have been approved: clients that connect over HTTP (Cursor, Claude Code, VS Code) appear here once the broker’s authorization server approves them. Clients using the stdio "connect" command need no approval.';

export const API_KEYS_MISSING =
  'The broker’s authorization server is not running, so there are no API keys. Start the broker with its HTTP endpoint, then create one with "mcp-auth-broker keys create".';

type FeatureCalls =
  | 'listProviders'
  | 'signIn'
  | 'signOut'
  | 'listTokens'
  | 'refreshToken'
  | 'revokeToken'
  | 'listClients'
  | 'revokeClient'
  | 'listApiKeys'
  | 'revokeApiKey';

const OK = { ok: true } as const;

/** The consent calls, recording which session (`via`) the person answered from. */
export function consentHandlers(
  features: BrokerFeatures,
  via: UiChannel,
): Pick<BrokerApiHandlers, 'approveConsent' | 'denyConsent'> {
  const consents = () => {
    if (!features.consents) throw new BrokerError('FEATURE_UNAVAILABLE', CONSENTS_MISSING);
    return features.consents;
  };
  return {
    approveConsent: ({ requestCode, scopes }) =>
      Promise.resolve().then(() => (consents().approve(requestCode, via, scopes), OK)),
    denyConsent: ({ requestCode }) => Promise.resolve().then(() => (consents().deny(requestCode, via), OK)),
  };
}

/**
 * The contract's provider, token and client calls over whatever features are plugged in right now:
 * lists answer `available: false` with what to do, actions fail with FEATURE_UNAVAILABLE.
 */
export function featureHandlers(
  features: BrokerFeatures,
): Pick<BrokerApiHandlers, FeatureCalls | 'approveConsent' | 'denyConsent'> {
  const providers = () => {
    if (!features.providers) throw new BrokerError('FEATURE_UNAVAILABLE', PROVIDERS_MISSING);
    return features.providers;
  };
  const clients = () => {
    if (!features.clients) throw new BrokerError('FEATURE_UNAVAILABLE', CLIENTS_MISSING);
    return features.clients;
  };
  return {
    listProviders: async () =>
      features.providers
        ? { available: true, providers: await features.providers.listProviders() }
        : { available: false, message: PROVIDERS_MISSING, providers: [] },
    signIn: ({ provider }) => providers().signIn(provider),
    signOut: async ({ account }) => (await providers().signOut(account), OK),
    listTokens: async () =>
      features.providers
        ? { available: true, tokens: await features.providers.listTokens() }
        : { available: false, message: PROVIDERS_MISSING, tokens: [] },
    refreshToken: async ({ id }) => (await providers().refreshToken(id), OK),
    revokeToken: async ({ id }) => (await providers().revokeToken(id), OK),
    listClients: async () =>
      features.clients
        ? { available: true, clients: await features.clients.listClients() }
        : { available: false, message: CLIENTS_MISSING, clients: [] },
    revokeClient: async ({ clientId }) => (await clients().revokeClient(clientId), OK),
    listApiKeys: async () =>
      features.clients
        ? { available: true, keys: await features.clients.listApiKeys() }
        : { available: false, message: API_KEYS_MISSING, keys: [] },
    revokeApiKey: async ({ name }) => (await clients().revokeApiKey(name), OK),
    ...consentHandlers(features, 'window'),
  };
}
