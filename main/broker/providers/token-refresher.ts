import { EventEmitter } from 'node:events';

import * as client from 'openid-client';

import type { AuditSink } from '../audit/audit-event.js';
import { backoffDelayMs } from '../base/backoff.js';
import type { Clock } from '../base/clock.js';
import { BrokerError, isBrokerError, messageOf } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import { cliCommand } from '../runtime/cli-command.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import { type AccountId, parseAccountId, tokenSecretName } from './provider-config.js';
import type { ResolvedProvider } from './provider-discovery.js';
import {
  DEFAULT_REFRESH_AHEAD_MS,
  nextRefreshAllowedAt,
  refreshJitterMs,
  refreshLeadMs,
  type TokenTimes,
} from './refresh-timing.js';
import { toStoredTokens } from './sign-in-events.js';
import type { StoredTokens, TokenStore } from './token-store.js';

export interface RefresherDeps {
  store: TokenStore;
  /** The provider of an account (resolved once and cached by the caller). */
  provider: (providerId: string) => Promise<ResolvedProvider>;
  audit: AuditSink;
  clock: Clock;
  logger: Logger;
  redactor: SecretRedactor;
  /**
   * Refresh at most this long before the access token expires (ms; 60 s by default); never more
   * than a third of the token's lifetime (refresh-timing.ts).
   */
  refreshAheadMs?: number;
  /** Randomness of the jitter (Math.random by default). */
  random?: () => number;
  /** Backoff of retries after a transient failure (ms). */
  retry?: { initialMs: number; maxMs: number };
}

export interface RefresherEvents {
  /** New tokens were saved for the account (servers holding the old token restart). */
  refreshed: [account: string];
  signInNeeded: [account: string];
}

const MAX_TIMER_MS = 2 ** 31 - 1;

const inText = (ms: number) => (ms < 1000 ? `${String(ms)} ms` : `${String(Math.round(ms / 1000))} s`);

/** The error tools of an affected server report: names the provider and the command that fixes it. */
export function signInNeededError(account: AccountId, reason?: string): BrokerError {
  const why = reason === undefined ? 'is not signed in' : `needs sign-in again (${reason})`;
  return new BrokerError(
    'SIGNIN_NEEDED',
    `Provider "${account.provider}" account "${account.id}" ${why}. Run: ${cliCommand(`login ${account.id}`)}`,
  );
}

/**
 * Tokens of one authorization server met another (a remote server moved to a new AS, issue 13.5):
 * they are not sent there; the account needs a new sign-in.
 */
export class IssuerChangedError extends BrokerError {
  constructor(
    readonly account: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(
      'SIGNIN_NEEDED',
      `The authorization server of "${account}" changed from ${from} to ${to}; sign in again: mcp-auth-broker login ${account}`,
    );
  }
}

/**
 * The one owner of refreshing: only the broker process runs this. Per account, one refresh is in
 * flight at a time and every caller shares it; the rotated refresh token is saved before the new
 * access token is handed out; a refresh is scheduled ahead of expiry; transient failures retry with
 * backoff while the old access token stays in use until it expires; `invalid_grant` marks the account
 * "sign-in needed" (audited) and stops — no loop.
 *
 * @see RFC 6749 §6, OAuth 2.0 Security BCP (RFC 9700) §4.14.2
 */
export class TokenRefresher extends EventEmitter<RefresherEvents> {
  private readonly inFlight = new Map<string, Promise<StoredTokens>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private stopped = false;
  private readonly aheadMs: number;

  constructor(private readonly deps: RefresherDeps) {
    super();
    this.aheadMs = deps.refreshAheadMs ?? DEFAULT_REFRESH_AHEAD_MS;
  }

  /** Schedules the proactive refresh of every signed-in account (from the non-secret metadata). */
  start(): void {
    for (const meta of this.deps.store.list()) {
      if (meta.status === 'ok' && meta.hasRefreshToken && meta.expiresAt !== undefined) {
        const obtainedAt = meta.refreshedAt ?? meta.signedInAt;
        this.schedule(parseAccountId(meta.account), { expiresAt: meta.expiresAt, obtainedAt });
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** A fresh sign-in: schedules its refresh and lets servers holding an old token restart. */
  signedIn(accountId: string, tokens: StoredTokens): void {
    const account = parseAccountId(accountId);
    this.failures.delete(account.id);
    this.scheduleDue(account, tokens);
    this.emit('refreshed', account.id);
  }

  /** Forgets an account's schedule (sign-out). */
  forget(accountId: string): void {
    clearTimeout(this.timers.get(accountId));
    this.timers.delete(accountId);
    this.failures.delete(accountId);
  }

  /** A usable access token, refreshed first when it is due. Throws SIGNIN_NEEDED naming the fix. */
  async accessToken(accountId: string): Promise<string> {
    const account = parseAccountId(accountId);
    const meta = this.deps.store.metadata(account.id);
    if (meta?.status === 'signin_needed') throw signInNeededError(account, meta.reason);
    const tokens = await this.deps.store.load(account);
    if (!tokens) throw signInNeededError(account);
    this.deps.redactor.add(tokens.accessToken);
    if (!this.isDue(tokens)) return tokens.accessToken;
    try {
      return (await this.refresh(account.id, false)).accessToken;
    } catch (error) {
      const stillValid = tokens.expiresAt !== undefined && this.deps.clock.now() < tokens.expiresAt;
      if (!isBrokerError(error, 'SIGNIN_NEEDED') && stillValid) return tokens.accessToken;
      throw error;
    }
  }

  /**
   * Refreshes now (`force`, the default: "Refresh now" in the window) or only when due, sharing a
   * refresh already in flight for the account either way.
   */
  refresh(accountId: string, force = true): Promise<StoredTokens> {
    const running = this.inFlight.get(accountId);
    if (running) return running;
    const account = parseAccountId(accountId);
    const next = this.refreshOnce(account, force).finally(() => this.inFlight.delete(accountId));
    this.inFlight.set(accountId, next);
    return next;
  }

  private isDue(tokens: StoredTokens): boolean {
    if (tokens.expiresAt === undefined) return false;
    return this.deps.clock.now() >= tokens.expiresAt - refreshLeadMs(tokens, this.aheadMs);
  }

  private async refreshOnce(account: AccountId, force: boolean): Promise<StoredTokens> {
    const tokens = await this.deps.store.load(account);
    if (!tokens) return this.requestMachineTokens(account);
    if (this.deps.store.isHeld(account.id)) {
      // A refreshed set the keychain did not take yet: its refresh token is the only live one, so it
      // is stored before anything else and no refresh is sent until it is.
      await this.storeHeld(account, tokens);
    }
    // Someone else refreshed while this caller waited: nothing to do.
    if (!force && !this.isDue(tokens)) return tokens;
    if (!force && !(await this.rateAllows(account, tokens))) return tokens;
    if (tokens.grant === 'client_credentials') return this.requestMachineTokens(account);
    if (tokens.refreshToken === undefined) {
      if (tokens.expiresAt !== undefined && this.deps.clock.now() >= tokens.expiresAt) {
        return this.onSignInNeeded(account, 'the access token expired and there is no refresh token');
      }
      if (!force) return tokens;
      throw new BrokerError(
        'TOKEN_REFRESH_FAILED',
        `The provider gave "${account.id}" no refresh token, so it cannot be refreshed. To renew it, run: ${cliCommand(`login ${account.id}`)}`,
      );
    }
    const stillValid = tokens.expiresAt === undefined || this.deps.clock.now() < tokens.expiresAt;
    if (stillValid) {
      // Write-ahead check: while the access token still works, a refresh waits until the keychain
      // takes writes, so the provider never rotates a refresh token the broker cannot then store.
      try {
        await this.deps.store.rewrite(account);
      } catch (error) {
        return this.onTransientFailure(account, error);
      }
    }
    const provider = await this.deps.provider(account.provider);
    const issuer = provider.config.serverMetadata().issuer;
    if (tokens.issuer !== undefined && tokens.issuer !== issuer) {
      return this.onIssuerChanged(account, new IssuerChangedError(account.id, tokens.issuer, issuer));
    }
    const resource = provider.resource === undefined ? {} : { resource: provider.resource };
    let response;
    try {
      const dpop = provider.dpop ? { DPoP: provider.dpop } : undefined;
      response = await client.refreshTokenGrant(provider.config, tokens.refreshToken, resource, dpop);
    } catch (error) {
      if (error instanceof client.ResponseBodyError && error.error === 'invalid_grant') {
        return this.onSignInNeeded(account, 'invalid_grant: the provider refused the refresh token');
      }
      return this.onTransientFailure(account, error);
    }
    const next = toStoredTokens(response, this.deps.clock.now(), tokens);
    return this.keep(account, { ...next, issuer });
  }

  /**
   * A machine client's tokens (client credentials, issue 13.2): requested again rather than refreshed,
   * through the same single flight, storage and schedule. Not a machine client and no tokens: sign-in.
   */
  private async requestMachineTokens(account: AccountId): Promise<StoredTokens> {
    const provider = await this.deps.provider(account.provider);
    if (provider.requestTokens === undefined) throw signInNeededError(account);
    let response;
    try {
      response = await provider.requestTokens();
    } catch (error) {
      return this.onTransientFailure(account, error);
    }
    const next = toStoredTokens(response, this.deps.clock.now(), { scopes: provider.scopes });
    const issuer = provider.config.serverMetadata().issuer;
    return this.keep(account, { ...next, grant: 'client_credentials', issuer });
  }

  /** New tokens of the account: in memory at once, stored before they are handed out, scheduled. */
  private async keep(account: AccountId, next: StoredTokens): Promise<StoredTokens> {
    const now = this.deps.clock.now();
    this.deps.redactor.add(next.accessToken);
    if (next.refreshToken !== undefined) this.deps.redactor.add(next.refreshToken);
    // The provider has rotated: from here on `next` is the account's set, in memory at once, and it
    // is stored before it is handed out; when the store fails, it stays held and the save is retried.
    this.deps.store.hold(account, next, now);
    try {
      await this.deps.store.storeHeld(account);
    } catch (error) {
      this.noteFailure(account, error);
      this.emit('refreshed', account.id);
      return next;
    }
    this.failures.delete(account.id);
    this.deps.audit.record({ type: 'token.refresh', outcome: 'ok', secretName: tokenSecretName(account) });
    this.scheduleDue(account, next);
    this.emit('refreshed', account.id);
    return next;
  }

  /** Stores a held set (retried with backoff on failure, which throws). */
  private async storeHeld(account: AccountId, tokens: StoredTokens): Promise<void> {
    try {
      await this.deps.store.storeHeld(account);
    } catch (error) {
      this.onTransientFailure(account, error);
    }
    this.failures.delete(account.id);
    this.deps.audit.record({
      type: 'token.refresh',
      outcome: 'ok',
      secretName: tokenSecretName(account),
      message: 'refreshed tokens stored once the secret store answered again',
    });
    this.scheduleDue(account, tokens);
  }

  private scheduleDue(account: AccountId, tokens: StoredTokens): void {
    if (tokens.refreshToken !== undefined || tokens.grant === 'client_credentials') {
      this.schedule(account, tokens);
    }
  }

  /**
   * The bounded rate per account: a due refresh soon after the last one waits (scheduled) while the
   * access token still works; an expired one waits out the rest of the interval (at most 1 s).
   */
  private async rateAllows(account: AccountId, tokens: StoredTokens): Promise<boolean> {
    const wait = nextRefreshAllowedAt(tokens) - this.deps.clock.now();
    if (wait <= 0) return true;
    const expired = tokens.expiresAt !== undefined && this.deps.clock.now() >= tokens.expiresAt;
    if (!expired) {
      this.setTimer(account, wait);
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 1_000)));
    return true;
  }

  private async onSignInNeeded(account: AccountId, reason: string): Promise<never> {
    this.forget(account.id);
    await this.deps.store.markSignInNeeded(account, reason.split(':')[0] ?? reason);
    this.deps.audit.record({
      type: 'token.refresh_failed',
      outcome: 'error',
      secretName: tokenSecretName(account),
      errorCode: 'SIGNIN_NEEDED',
      message: `${reason}; sign-in needed`,
    });
    this.emit('signInNeeded', account.id);
    throw signInNeededError(account, reason.split(':')[0]);
  }

  /**
   * 13.5: marks the account "sign-in needed" like a refused refresh token, but throws the error that
   * names both servers (not emitted: the caller's servers report this error rather than a generic one).
   */
  private async onIssuerChanged(account: AccountId, error: IssuerChangedError): Promise<never> {
    this.forget(account.id);
    await this.deps.store.markSignInNeeded(account, 'issuer_changed');
    this.deps.audit.record({
      type: 'token.refresh_failed',
      outcome: 'error',
      secretName: tokenSecretName(account),
      errorCode: 'SIGNIN_NEEDED',
      message: `the authorization server changed from ${error.from} to ${error.to}; not refreshed there, sign-in needed`,
    });
    throw error;
  }

  private onTransientFailure(account: AccountId, error: unknown): never {
    const { detail, delay } = this.noteFailure(account, error);
    throw new BrokerError(
      'TOKEN_REFRESH_FAILED',
      `Refreshing "${account.id}" failed (${detail}); retrying in ${inText(delay)}.`,
      { cause: error },
    );
  }

  /** Audits a transient failure (refresh or store) and schedules the retry with backoff. */
  private noteFailure(account: AccountId, error: unknown): { detail: string; delay: number } {
    const attempt = (this.failures.get(account.id) ?? 0) + 1;
    this.failures.set(account.id, attempt);
    const retry = this.deps.retry ?? { initialMs: 5_000, maxMs: 5 * 60_000 };
    const delay = backoffDelayMs(retry, attempt);
    const detail = this.deps.redactor.redact(
      error instanceof client.ResponseBodyError
        ? error.error
        : (messageOf(error).split('. To fix it')[0] ?? ''),
    );
    const storeFailed = isBrokerError(error, 'SECRET_STORE_UNAVAILABLE');
    this.deps.audit.record({
      type: 'token.refresh_failed',
      outcome: 'error',
      secretName: tokenSecretName(account),
      errorCode: storeFailed ? 'SECRET_STORE_UNAVAILABLE' : 'TOKEN_REFRESH_FAILED',
      message: `attempt ${String(attempt)}: ${detail}; retrying in ${inText(delay)}`,
    });
    this.setTimer(account, delay);
    return { detail, delay };
  }

  /** The next proactive refresh: when due (refresh-timing.ts), plus jitter. */
  private schedule(account: AccountId, tokens: TokenTimes): void {
    if (tokens.expiresAt === undefined) return;
    const lead = refreshLeadMs(tokens, this.aheadMs);
    const jitter = refreshJitterMs(lead, this.deps.random ?? Math.random);
    const due = Math.max(tokens.expiresAt - lead, nextRefreshAllowedAt(tokens));
    this.setTimer(account, due + jitter - this.deps.clock.now());
  }

  private setTimer(account: AccountId, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(account.id));
    const timer = setTimeout(
      () => {
        this.timers.delete(account.id);
        this.refresh(account.id, false).catch((error: unknown) => {
          this.deps.logger.debug({ account: account.id, err: messageOf(error) }, 'scheduled refresh failed');
        });
      },
      Math.min(MAX_TIMER_MS, Math.max(0, delayMs)),
    );
    timer.unref();
    this.timers.set(account.id, timer);
  }
}
