import type { ApiKeySummary, CreateApiKeyBody, CreatedApiKey } from '../../contract/api-keys.js';
import type { AuditSink } from '../audit/audit-event.js';
import type { Clock } from '../base/clock.js';
import { BrokerError } from '../base/errors.js';
import { type AccessTokenClaims, InvalidTokenError, scopeForServer } from './access-token.js';
import { generateApiKey, hashApiKey, isWellFormedApiKey, sameHash } from './api-key-format.js';
import type { AuthzStateStore } from './authz-state-store.js';

/** The state store's kind for API keys (durable: encrypted, survives a restart). */
export const API_KEY_KIND = 'ApiKey';

/** How stale the stored "last used" may get: one state write a minute per key at most. */
const LAST_USED_WRITE_MS = 60_000;

/** A key's claims never expire before this when the key itself does not (seconds since the epoch). */
const NO_EXPIRY_S = 253_402_300_799; // 9999-12-31T23:59:59Z

interface StoredKey {
  hash: string;
  servers: string[];
  createdAt: number;
  expiresAt?: number;
  lastUsedAt?: number;
}

function parseStored(payload: Record<string, unknown>): StoredKey | undefined {
  const { hash, servers, createdAt, expiresAt, lastUsedAt } = payload;
  if (typeof hash !== 'string' || typeof createdAt !== 'number' || !Array.isArray(servers)) return undefined;
  return {
    hash,
    servers: servers.filter((s): s is string => typeof s === 'string'),
    createdAt,
    ...(typeof expiresAt === 'number' ? { expiresAt } : {}),
    ...(typeof lastUsedAt === 'number' ? { lastUsedAt } : {}),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The client id a key's calls are audited under. */
export function apiKeyClientId(name: string): string {
  return `key:${name}`;
}

export interface ApiKeysDeps {
  state: AuthzStateStore;
  clock: Clock;
  audit: AuditSink;
  /** The broker's `/mcp` URL: the audience of a key's claims, like of every access token. */
  resource: string;
  /** The enabled servers a key may name. */
  servers: readonly string[];
}

/**
 * API keys for local non-interactive clients (issue 13 point 7). A key is a long-lived bearer
 * credential bound to a list of servers; `verify` turns it into the same claims an OAuth access
 * token gives (`mcp:servers:<name>` scopes), so `/mcp` and `/ws` treat both alike. Only the key's
 * SHA-256 is stored, in the authorization server's encrypted state; revocation deletes the record,
 * so the next request with the key fails.
 */
export class ApiKeys {
  /** Last use per key name, in memory; written through at most once a minute. */
  private readonly lastUsed = new Map<string, number>();

  constructor(private readonly deps: ApiKeysDeps) {}

  private stored(): [string, StoredKey][] {
    const out: [string, StoredKey][] = [];
    for (const [name, payload] of this.deps.state.entries(API_KEY_KIND)) {
      const key = parseStored(payload);
      if (key) out.push([name, key]);
    }
    return out;
  }

  /** Creates a key; the answer is the only place its value ever appears. */
  create(request: CreateApiKeyBody): CreatedApiKey {
    const { name, expiresInSeconds } = request;
    if (this.deps.state.get(API_KEY_KIND, name) !== undefined)
      throw new BrokerError(
        'USAGE',
        `An API key named "${name}" exists; revoke it ("mcp-auth-broker keys revoke ${name}") or pick another name.`,
      );
    const servers = [...new Set(request.servers)].sort();
    const unknown = servers.filter((s) => !this.deps.servers.includes(s));
    if (unknown.length > 0)
      throw new BrokerError(
        'SERVER_NOT_FOUND',
        `No enabled server named ${unknown.map((s) => `"${s}"`).join(', ')}; the key may name: ${this.deps.servers.join(', ') || '(no servers are enabled)'}.`,
      );
    const now = this.deps.clock.now();
    const key = generateApiKey();
    const record: StoredKey = {
      hash: hashApiKey(key),
      servers,
      createdAt: now,
      ...(expiresInSeconds === undefined ? {} : { expiresAt: now + expiresInSeconds * 1000 }),
    };
    this.deps.state.set(API_KEY_KIND, name, { ...record });
    this.deps.audit.record({
      type: 'apikey.created',
      outcome: 'ok',
      client: apiKeyClientId(name),
      clientId: apiKeyClientId(name),
      message: `API key created for ${servers.join(', ')}${record.expiresAt === undefined ? '; no expiry' : `; expires ${iso(record.expiresAt)}`}`,
    });
    return { key, summary: this.summary(name, record) };
  }

  private summary(name: string, key: StoredKey): ApiKeySummary {
    const lastUsed = Math.max(key.lastUsedAt ?? 0, this.lastUsed.get(name) ?? 0);
    return {
      name,
      clientId: apiKeyClientId(name),
      servers: [...key.servers],
      createdAt: iso(key.createdAt),
      ...(key.expiresAt === undefined ? {} : { expiresAt: iso(key.expiresAt) }),
      ...(lastUsed > 0 ? { lastUsedAt: iso(lastUsed) } : {}),
      expired: key.expiresAt !== undefined && key.expiresAt <= this.deps.clock.now(),
    };
  }

  /** Every key, by name; metadata only. */
  list(): ApiKeySummary[] {
    return this.stored()
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, key]) => this.summary(name, key));
  }

  /** Deletes a key: the next request that sends it gets 401. False for an unknown name. */
  revoke(name: string): boolean {
    if (!this.deps.state.delete(API_KEY_KIND, name)) return false;
    this.lastUsed.delete(name);
    this.deps.audit.record({
      type: 'apikey.revoked',
      outcome: 'ok',
      client: apiKeyClientId(name),
      clientId: apiKeyClientId(name),
      message: 'API key revoked by the person',
    });
    return true;
  }

  /**
   * The claims of a key sent as a bearer token, or InvalidTokenError: `invalid` for a malformed or
   * unknown (revoked) key, `expired` past its expiry. Hashes are compared in constant time.
   */
  verify(token: string): Promise<AccessTokenClaims> {
    if (!isWellFormedApiKey(token))
      return Promise.reject(new InvalidTokenError('invalid', 'The API key is malformed.'));
    const hash = hashApiKey(token);
    const found = this.stored().find(([, key]) => sameHash(key.hash, hash));
    if (!found)
      return Promise.reject(
        new InvalidTokenError(
          'revoked',
          'The API key is unknown or was revoked; ask the person for a new one.',
        ),
      );
    const [name, key] = found;
    const now = this.deps.clock.now();
    if (key.expiresAt !== undefined && key.expiresAt <= now)
      return Promise.reject(new InvalidTokenError('expired', 'The API key has expired.'));
    this.noteUse(name, key, now);
    const clientId = apiKeyClientId(name);
    return Promise.resolve({
      clientId,
      subject: clientId,
      scopes: key.servers.map(scopeForServer),
      audience: [this.deps.resource],
      expiresAt: key.expiresAt === undefined ? NO_EXPIRY_S : Math.floor(key.expiresAt / 1000),
    });
  }

  private noteUse(name: string, key: StoredKey, now: number): void {
    this.lastUsed.set(name, now);
    if (now - (key.lastUsedAt ?? 0) >= LAST_USED_WRITE_MS)
      this.deps.state.update(API_KEY_KIND, name, { lastUsedAt: now });
  }
}
