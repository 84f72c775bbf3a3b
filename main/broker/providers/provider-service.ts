import type {
  AccountListing,
  AccountMetadata,
  LogoutResult,
  RevocationOutcome,
} from '../../contract/providers.js';
import type { AuditSink } from '../audit/audit-event.js';
import type { Clock } from '../base/clock.js';
import { BrokerError, messageOf } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { runBrowserAuthorization } from './browser-authorization.js';
import { runDeviceAuthorization } from './device-authorization.js';
import { parseAccountId, type ProviderConfig, tokenSecretName } from './provider-config.js';
import { type ResolvedProvider, resolveProvider } from './provider-discovery.js';
import type { ProviderFetch } from './quirk-fetch.js';
import { revokeTokens } from './revocation.js';
import { realSleep, type SignInListener, type Sleep, toStoredTokens } from './sign-in-events.js';
import { TokenRefresher } from './token-refresher.js';
import { TokenStore } from './token-store.js';

export interface ProviderServiceDeps {
  providers: Record<string, ProviderConfig>;
  secrets: SecretStore;
  dataDir: string;
  audit: AuditSink;
  clock: Clock;
  logger: Logger;
  redactor: SecretRedactor;
  fetch?: ProviderFetch;
  sleep?: Sleep;
  refreshAheadMs?: number;
  retry?: { initialMs: number; maxMs: number };
  /** Providers not in the config: a remote MCP server's authorization server (issue 5), or undefined. */
  extraProvider?: (id: string) => Promise<ResolvedProvider> | undefined;
}

export interface LoginOptions {
  mode: 'device' | 'browser';
  onEvent: SignInListener;
  openUrl?: (url: string) => Promise<void>;
  signal?: AbortSignal;
  browserTimeoutMs?: number;
}

/** `gho_…(40 chars)`: enough to tell tokens apart, nothing to use. */
export function maskToken(token: string): string {
  return `${token.slice(0, 4)}…(${String(token.length)} chars)`;
}

/**
 * Provider sign-in as a whole: resolves providers (once), runs the device or browser flow, stores the
 * tokens, owns the refresher, signs out with revocation, and audits each step (names only).
 */
export class ProviderService {
  readonly store: TokenStore;
  readonly refresher: TokenRefresher;
  private readonly resolved = new Map<string, Promise<ResolvedProvider>>();

  constructor(private readonly deps: ProviderServiceDeps) {
    this.store = new TokenStore(deps.secrets, deps.dataDir);
    this.refresher = new TokenRefresher({ ...deps, store: this.store, provider: (id) => this.provider(id) });
  }

  /** The resolved provider `id` (discovery runs once; a failure is retried on the next use). */
  provider(id: string): Promise<ResolvedProvider> {
    const extra = this.deps.extraProvider?.(id);
    if (extra) return extra;
    const config = this.deps.providers[id];
    if (!config) {
      const known = Object.keys(this.deps.providers).sort().join(', ') || 'none';
      return Promise.reject(
        new BrokerError('PROVIDER_NOT_FOUND', `No provider "${id}" in the config (configured: ${known}).`),
      );
    }
    let found = this.resolved.get(id);
    if (!found) {
      found = resolveProvider(id, config, this.deps);
      found.catch(() => this.resolved.delete(id));
      this.resolved.set(id, found);
    }
    return found;
  }

  /** Signs `accountId` in with the device or browser flow; saves the tokens; audits the outcome. */
  async login(accountId: string, options: LoginOptions): Promise<AccountMetadata> {
    const account = parseAccountId(accountId);
    const base = { secretName: tokenSecretName(account) };
    try {
      const provider = await this.provider(account.provider);
      const flow = { account: account.id, onEvent: options.onEvent, clock: this.deps.clock };
      const machine = provider.requestTokens !== undefined;
      const response = provider.requestTokens
        ? await provider.requestTokens()
        : options.mode === 'device'
          ? await runDeviceAuthorization(provider, {
              ...flow,
              sleep: this.deps.sleep ?? realSleep,
              ...(options.signal ? { signal: options.signal } : {}),
            })
          : await runBrowserAuthorization(provider, {
              ...flow,
              openUrl: options.openUrl ?? (() => Promise.resolve()),
              timeoutMs: options.browserTimeoutMs ?? 5 * 60_000,
              ...(options.signal ? { signal: options.signal } : {}),
            });
      const now = this.deps.clock.now();
      const tokens = {
        ...toStoredTokens(response, now, { scopes: provider.scopes }),
        ...(machine ? { grant: 'client_credentials' as const } : {}),
        issuer: provider.config.serverMetadata().issuer,
      };
      this.deps.redactor.add(tokens.accessToken);
      if (tokens.refreshToken !== undefined) this.deps.redactor.add(tokens.refreshToken);
      await this.store.save(account, tokens, now, true);
      this.deps.audit.record({
        type: 'provider.signin',
        outcome: 'ok',
        ...base,
        message: machine ? 'client credentials grant' : `${options.mode} flow`,
      });
      this.refresher.signedIn(account.id, tokens);
      const meta = this.store.metadata(account.id);
      options.onEvent({
        event: 'success',
        account: account.id,
        scopes: tokens.scopes,
        ...(machine ? { grant: 'client_credentials' as const } : {}),
        ...(tokens.expiresAt === undefined ? {} : { expiresAt: new Date(tokens.expiresAt).toISOString() }),
        ...(tokens.subject === undefined ? {} : { subject: tokens.subject }),
      });
      if (!meta) throw new Error('account metadata missing after save');
      return meta;
    } catch (error) {
      const code = error instanceof BrokerError ? error.code : 'SIGNIN_FAILED';
      const message = this.deps.redactor.redact(messageOf(error));
      this.deps.audit.record({
        type: 'provider.signin_failed',
        outcome: 'error',
        ...base,
        errorCode: code,
        message,
      });
      options.onEvent({ event: 'failure', account: account.id, code, message });
      throw error;
    }
  }

  /** Revokes at the provider where it can, then deletes the local copies either way; audits it. */
  async logout(accountId: string): Promise<LogoutResult> {
    const account = parseAccountId(accountId);
    this.refresher.forget(account.id);
    const tokens = await this.store.load(account).catch(() => undefined);
    let revocation: RevocationOutcome = { status: 'no_endpoint' };
    if (tokens) {
      revocation = await this.provider(account.provider).then(
        (provider) => revokeTokens(provider, tokens),
        (error: unknown) => ({ status: 'failed' as const, reason: messageOf(error) }),
      );
    }
    const deleted = await this.store.delete(account);
    this.deps.audit.record({
      type: 'provider.signout',
      outcome: revocation.status === 'failed' ? 'error' : 'ok',
      secretName: tokenSecretName(account),
      message: `revocation: ${revocation.status}${revocation.status === 'failed' ? ` (${revocation.reason})` : ''}; local tokens ${deleted ? 'deleted' : 'absent'}`,
    });
    return { revocation, deleted };
  }

  /** Every known account with masked tokens. */
  async list(): Promise<AccountListing[]> {
    return Promise.all(
      this.store.list().map(async (meta) => {
        const tokens = await this.store.load(parseAccountId(meta.account)).catch(() => undefined);
        return {
          ...meta,
          ...(tokens ? { accessToken: maskToken(tokens.accessToken) } : {}),
          ...(tokens?.refreshToken === undefined ? {} : { refreshToken: maskToken(tokens.refreshToken) }),
        };
      }),
    );
  }
}
