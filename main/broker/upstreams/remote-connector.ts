import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';

import { BrokerError, isBrokerError } from '../base/errors.js';
import type { RemoteServerConfig } from '../config/remote-server-config.js';
import { parseAccountId } from '../providers/provider-config.js';
import { cliCommand } from '../runtime/cli-command.js';
import { type Fetch, guardedFetch } from '../upstream-oauth/authorization-discovery.js';
import { authorizedFetch, type RemoteTokenSource } from '../upstream-oauth/authorized-fetch.js';
import {
  loginCommand,
  remoteAccountId,
  type RemoteAuthorizations,
} from '../upstream-oauth/remote-authorizations.js';
import { createRemoteTransport } from './remote-transport.js';
import { describeStartFailure } from './upstream-connection.js';
import type { OpenedTransport, UpstreamConnector } from './upstream-connector.js';
import { remotePolicy } from './upstream-policy.js';
import { UpstreamSupervisor } from './upstream-supervisor.js';
import type { UpstreamDeps } from './upstream-types.js';

/**
 * A remote MCP server as one more kind of upstream: the same supervisor as a stdio server (start,
 * catalog, backoff after a lost connection, call drain) with this connector's network transport
 * instead of a child process, and credentials attached per request instead of put into an environment.
 */

export interface RemoteUpstreamDeps extends UpstreamDeps {
  authorizations: RemoteAuthorizations;
  /** The issue-3 token machinery (TokenRefresher + TokenStore metadata). */
  tokens: RemoteTokenSource;
  fetch?: Fetch;
}

interface Credentials {
  fetch: Fetch;
  /** Keychain secret names that reached the server (audited as `server.credential`). */
  secretNames: string[];
  /** Authorization headers for a WebSocket upgrade. */
  headers: () => Promise<Record<string, string>>;
  /** A refused WebSocket upgrade: true = retry once (OAuth: after noting the challenge and refreshing). */
  upgradeRefused?: (response: Response) => Promise<boolean>;
}

const withHeader =
  (base: Fetch, name: string, value: () => Promise<string>): Fetch =>
  async (url, init) => {
    const headers = new Headers(init?.headers);
    headers.set(name, await value());
    return base(url, { ...init, headers });
  };

/** A remote upstream: its supervisor, and the config and account the remote-servers feature reads. */
export class RemoteUpstream implements UpstreamConnector {
  readonly supervisor: UpstreamSupervisor;
  private readonly name: string;
  private readonly deps: RemoteUpstreamDeps;

  constructor(
    name: string,
    readonly remote: RemoteServerConfig,
    deps: RemoteUpstreamDeps,
  ) {
    this.name = name;
    this.deps = deps;
    this.supervisor = new UpstreamSupervisor(name, remotePolicy(name, remote), this, deps);
  }

  async open(): Promise<OpenedTransport> {
    const credentials = await this.credentials();
    const transport = createRemoteTransport({
      server: this.name,
      config: this.remote,
      fetch: credentials.fetch,
      upgradeHeaders: credentials.headers,
      onLost: () => void transport.close(),
      ...(credentials.upgradeRefused ? { onUpgradeRefused: credentials.upgradeRefused } : {}),
    });
    return { transport, secretNames: credentials.secretNames };
  }

  describeStartFailure(error: unknown): string {
    return describeStartFailure(error, this.remote.url, undefined);
  }

  describeLoss(): string {
    return `the connection to ${this.remote.url} was lost; reconnecting with backoff`;
  }

  /** The provider account whose tokens this server gets: `mcp-<server>` for OAuth, the named one for a provider. */
  get account(): string | undefined {
    const auth = this.remote.auth;
    if (auth === 'oauth') return remoteAccountId(this.name);
    return typeof auth === 'object' && 'provider' in auth ? parseAccountId(auth.provider).id : undefined;
  }

  /**
   * Its tokens were refused (refresh failed, sign-in needed) while connected: status shows it as
   * needing sign-in, with the command, instead of "running"; a sign-in reconnects it.
   */
  async needsSignIn(error?: BrokerError): Promise<void> {
    const auth = this.remote.auth;
    const why =
      typeof auth === 'object' && 'provider' in auth
        ? `its provider account "${auth.provider}" needs sign-in again. Run: ${cliCommand(`login ${auth.provider}`)}`
        : `needs sign-in again. Sign in with: ${loginCommand(this.name)}`;
    await this.supervisor.holdUntilFixed(
      error ?? new BrokerError('SIGNIN_NEEDED', `Remote server "${this.name}" ${why}`),
    );
  }

  private async credentials(): Promise<Credentials> {
    const base = this.deps.fetch ?? ((url: string | URL, init?: RequestInit) => fetch(url, init));
    const auth = this.remote.auth;
    if (auth === 'none')
      return { fetch: guardedFetch(base), secretNames: [], headers: () => Promise.resolve({}) };
    if (auth === 'oauth') return this.oauthCredentials(base);
    if ('header' in auth) {
      const value = await this.deps.secrets.get(auth.secret);
      if (value === undefined) {
        throw new BrokerError(
          'SECRET_NOT_FOUND',
          `Remote server "${this.name}" needs the secret "${auth.secret}" for its ${auth.header} header. Run: ${cliCommand(`secret set ${auth.secret}`)}`,
        );
      }
      this.deps.redactor.add(value);
      const text = auth.template === undefined ? value : auth.template.split('{secret}').join(value);
      const headers = () => Promise.resolve({ [auth.header]: text });
      const fetchFn = withHeader(guardedFetch(base), auth.header, () => Promise.resolve(text));
      return { fetch: fetchFn, secretNames: [auth.secret], headers };
    }
    return this.providerCredentials(base, auth.provider);
  }

  private providerCredentials(base: Fetch, accountText: string): Credentials {
    const account = parseAccountId(accountText).id;
    const credentials = this.deps.credentials;
    if (!credentials) {
      throw new BrokerError('FEATURE_UNAVAILABLE', `Provider sign-in is not running for "${this.name}".`);
    }
    const bearer = async () => {
      try {
        return `Bearer ${await credentials.accessToken(account)}`;
      } catch (error) {
        if (isBrokerError(error, 'SIGNIN_NEEDED')) void this.needsSignIn(error);
        throw error;
      }
    };
    return {
      fetch: withHeader(guardedFetch(base), 'authorization', bearer),
      secretNames: [],
      headers: async () => ({ authorization: await bearer() }),
    };
  }

  private oauthCredentials(base: Fetch): Credentials {
    const { authorizations, tokens, audit } = this.deps;
    const onTokenRefused = (error: BrokerError) => void this.needsSignIn(error);
    const fetchFn = authorizedFetch({
      ...{ server: this.name, authorizations, tokens, audit, fetch: base },
      onTokenRefused,
    });
    const account = remoteAccountId(this.name);
    const headers = async (): Promise<Record<string, string>> => {
      if (tokens.metadata(account)?.status !== 'ok') return {};
      return { authorization: `Bearer ${await tokens.accessToken(account)}` };
    };
    // OAuth over WebSocket: the token rides on the upgrade; a 401 there teaches discovery its challenge.
    const upgradeRefused = async (response: Response): Promise<boolean> => {
      if (response.status !== 401) return false;
      authorizations.noteChallenge(this.name, extractWWWAuthenticateParams(response));
      if (tokens.metadata(account)?.status !== 'ok') return false;
      return tokens.refresh(account, true).then(
        () => true,
        () => false,
      );
    };
    return { fetch: fetchFn, secretNames: [], headers, upgradeRefused };
  }
}
