import { existsSync } from 'node:fs';

import { z } from 'zod';

import { type AccountMetadata, AccountMetadataSchema } from '../../contract/providers.js';
import { writeFileAtomic } from '../base/atomic-file.js';
import { BrokerError } from '../base/errors.js';
import { readFileNoFollow } from '../base/private-path.js';
import { cliCommand } from '../runtime/cli-command.js';
import { dataDirPath } from '../runtime/paths.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { type AccountId, parseAccountId, tokenSecretName } from './provider-config.js';

/**
 * Where signed-in accounts live: the tokens (access, refresh, expiry, scopes, granted subject) as one
 * JSON secret per account in the secret store (the keychain), never on disk in plaintext; the
 * non-secret facts (who, when, scopes, expiry, "sign-in needed") in `<dataDir>/providers/accounts.json`,
 * written atomically, so `tokens` can list accounts without unlocking anything.
 */
const StoredTokensSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).optional(),
  /** Ms since the epoch; absent for tokens that do not expire (e.g. GitHub OAuth apps). */
  expiresAt: z.number().optional(),
  /** Ms since the epoch when the provider issued them: with `expiresAt`, the lifetime. */
  obtainedAt: z.number().optional(),
  scopes: z.array(z.string()),
  tokenType: z.string(),
  subject: z.string().optional(),
  /** The issuer that issued them: never refreshed at another authorization server (issue 13.5). */
  issuer: z.string().optional(),
  /** Obtained with the client credentials grant: renewed by asking again, not by a refresh token. */
  grant: z.literal('client_credentials').optional(),
});
export type StoredTokens = z.infer<typeof StoredTokensSchema>;

const MetadataFileSchema = z.object({ accounts: z.record(z.string(), AccountMetadataSchema) });

/**
 * One TokenStore per process that owns the accounts (the broker, or the CLI holding the broker lock),
 * so it keeps what it read: a tool call does not cost a keychain round trip.
 *
 * A refreshed set the secret store did not take (a locked keychain) is *held*: it is the account's
 * current set in memory at once — its refresh token is the only one the provider still accepts — and
 * `storeHeld` writes it once the store answers again. The previous set stays in the store until then.
 */
export class TokenStore {
  private readonly file: string;
  private readonly cache = new Map<string, StoredTokens>();
  private readonly held = new Map<string, { tokens: StoredTokens; now: number }>();
  private accountsCache: Record<string, AccountMetadata> | undefined;

  constructor(
    private readonly secrets: SecretStore,
    dataDir: string,
  ) {
    this.file = dataDirPath(dataDir, 'providerAccounts');
  }

  async load(account: AccountId): Promise<StoredTokens | undefined> {
    const cached = this.cache.get(account.id);
    if (cached) return cached;
    const text = await this.secrets.get(tokenSecretName(account));
    if (text === undefined) return undefined;
    const parsed = StoredTokensSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new BrokerError(
        'SIGNIN_NEEDED',
        `The stored tokens of "${account.id}" are unreadable. Run: ${cliCommand(`login ${account.id}`)}`,
      );
    }
    this.cache.set(account.id, parsed.data);
    return parsed.data;
  }

  /** Saves tokens (secret first, then metadata). `signedIn` marks a fresh sign-in rather than a refresh. */
  async save(account: AccountId, tokens: StoredTokens, now: number, signedIn: boolean): Promise<void> {
    await this.secrets.set(tokenSecretName(account), JSON.stringify(tokens));
    this.held.delete(account.id);
    this.cache.set(account.id, tokens);
    this.saved(account, tokens, now, signedIn);
  }

  /** Makes `tokens` the current set in memory now, before (and whether or not) the store takes them. */
  hold(account: AccountId, tokens: StoredTokens, now: number): void {
    this.cache.set(account.id, tokens);
    this.held.set(account.id, { tokens, now });
  }

  /** True while the current set of the account is held in memory only. */
  isHeld(accountId: string): boolean {
    return this.held.has(accountId);
  }

  /** Stores the held set, if any; throws (and keeps holding it) when the secret store fails. */
  async storeHeld(account: AccountId): Promise<void> {
    const entry = this.held.get(account.id);
    if (!entry) return;
    await this.secrets.set(tokenSecretName(account), JSON.stringify(entry.tokens));
    // A newer set may have been held or saved meanwhile: only clear what was written.
    if (this.held.get(account.id) !== entry) return;
    this.held.delete(account.id);
    this.saved(account, entry.tokens, entry.now, false);
  }

  /**
   * Writes the current set again: proof that the store takes writes right now, asked before a refresh
   * so the provider does not rotate a refresh token that could not then be stored.
   */
  async rewrite(account: AccountId): Promise<void> {
    const current = this.cache.get(account.id);
    if (current && !this.held.has(account.id)) {
      await this.secrets.set(tokenSecretName(account), JSON.stringify(current));
    }
  }

  private saved(account: AccountId, tokens: StoredTokens, now: number, signedIn: boolean): void {
    const previous = this.metadata(account.id);
    this.writeMetadata(account.id, {
      account: account.id,
      provider: account.provider,
      ...(tokens.subject === undefined ? {} : { subject: tokens.subject }),
      scopes: tokens.scopes,
      ...(tokens.expiresAt === undefined ? {} : { expiresAt: tokens.expiresAt }),
      hasRefreshToken: tokens.refreshToken !== undefined,
      signedInAt: signedIn || !previous ? now : previous.signedInAt,
      ...(signedIn ? {} : { refreshedAt: now }),
      status: 'ok',
    });
  }

  /** Marks an account "sign-in needed" (its refresh token was refused); the tokens are deleted. */
  async markSignInNeeded(account: AccountId, reason: string): Promise<void> {
    this.cache.delete(account.id);
    this.held.delete(account.id);
    await this.secrets.delete(tokenSecretName(account));
    const previous = this.metadata(account.id);
    if (previous) this.writeMetadata(account.id, { ...previous, status: 'signin_needed', reason });
  }

  /** Deletes the tokens and the metadata. True when there were tokens. */
  async delete(account: AccountId): Promise<boolean> {
    this.cache.delete(account.id);
    this.held.delete(account.id);
    const deleted = await this.secrets.delete(tokenSecretName(account));
    this.writeMetadata(account.id, undefined);
    return deleted;
  }

  metadata(accountId: string): AccountMetadata | undefined {
    return this.readAll()[accountId];
  }

  /** Every known account, sorted by id. */
  list(): AccountMetadata[] {
    return Object.values(this.readAll()).sort((a, b) => (a.account < b.account ? -1 : 1));
  }

  private readAll(): Record<string, AccountMetadata> {
    if (this.accountsCache) return this.accountsCache;
    if (!existsSync(this.file)) return {};
    const parsed = MetadataFileSchema.safeParse(
      JSON.parse(readFileNoFollow(this.file, 'the provider accounts file').toString('utf8')),
    );
    this.accountsCache = parsed.success ? parsed.data.accounts : {};
    return this.accountsCache;
  }

  private writeMetadata(accountId: string, value: AccountMetadata | undefined): void {
    parseAccountId(accountId);
    const others = Object.entries(this.readAll()).filter(([id]) => id !== accountId);
    const accounts = Object.fromEntries(value === undefined ? others : [...others, [accountId, value]]);
    writeFileAtomic(this.file, JSON.stringify({ accounts }, null, 2) + '\n');
    this.accountsCache = accounts;
  }
}
