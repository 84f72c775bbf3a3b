import { existsSync, renameSync } from 'node:fs';

import { z } from 'zod';

import { writeFileAtomic } from '../base/atomic-file.js';
import type { Clock } from '../base/clock.js';
import { isBrokerError } from '../base/errors.js';
import { readFileNoFollow } from '../base/private-path.js';
import { seal, unseal } from '../base/sealed-box.js';

/**
 * The authorization server's state: registered clients, grants, sessions, refresh tokens and
 * remembered consents and API key hashes, kept in memory and — for the durable kinds — written to one file encrypted
 * with AES-256-GCM under a 256-bit key that lives in the SecretStore (never on disk). The file
 * therefore holds no readable refresh token, grant or client record. Short-lived kinds
 * (interactions, authorization codes, replay markers) stay in memory only.
 */

/** oidc-provider models (and the broker's own consent records and API keys) that survive a restart. */
export const DURABLE_KINDS = new Set([
  'Client',
  'Grant',
  'RefreshToken',
  'Session',
  'BrokerConsent',
  'ApiKey',
]);

export interface StoredEntry {
  payload: Record<string, unknown>;
  /** Milliseconds since the epoch; absent = no expiry. */
  expiresAt?: number;
}

const StateSchema = z.record(
  z.string(),
  z.record(
    z.string(),
    z.object({ payload: z.record(z.string(), z.unknown()), expiresAt: z.number().optional() }),
  ),
);

export interface AuthzStateStoreOptions {
  /** The encrypted file; undefined keeps everything in memory (no key store available). */
  path?: string;
  /** 32-byte AES key from the SecretStore; required with `path`. */
  key?: Buffer;
  clock: Clock;
  /** Called when an unreadable file was moved aside (wrong key or corrupt). */
  onUnreadable?: (movedTo: string) => void;
}

/** Keyed storage per model kind, with expiry, persisted encrypted for the durable kinds. */
export class AuthzStateStore {
  private readonly kinds = new Map<string, Map<string, StoredEntry>>();

  constructor(private readonly options: AuthzStateStoreOptions) {
    this.load();
  }

  get persistent(): boolean {
    return this.options.path !== undefined && this.options.key !== undefined;
  }

  private load(): void {
    const { path, key } = this.options;
    if (!path || !key || !existsSync(path)) return;
    try {
      const state = StateSchema.parse(
        JSON.parse(
          unseal(key, readFileNoFollow(path, 'the authorization state file').toString('utf8')).toString(
            'utf8',
          ),
        ),
      );
      for (const [kind, entries] of Object.entries(state)) {
        const map = this.table(kind);
        for (const [id, entry] of Object.entries(entries)) {
          map.set(id, {
            payload: entry.payload,
            ...(entry.expiresAt === undefined ? {} : { expiresAt: entry.expiresAt }),
          });
        }
      }
    } catch (error) {
      // A symlink planted in place of the file is refused, not moved aside as if it were corrupt.
      if (isBrokerError(error, 'PATH_UNSAFE')) throw error;
      const movedTo = `${path}.unreadable-${String(this.options.clock.now())}`;
      renameSync(path, movedTo);
      this.kinds.clear();
      this.options.onUnreadable?.(movedTo);
    }
  }

  private table(kind: string): Map<string, StoredEntry> {
    let map = this.kinds.get(kind);
    if (!map) {
      map = new Map();
      this.kinds.set(kind, map);
    }
    return map;
  }

  private live(entry: StoredEntry | undefined): StoredEntry | undefined {
    if (!entry) return undefined;
    return entry.expiresAt !== undefined && entry.expiresAt <= this.options.clock.now() ? undefined : entry;
  }

  get(kind: string, id: string): Record<string, unknown> | undefined {
    return this.live(this.table(kind).get(id))?.payload;
  }

  /** Live entries of a kind. */
  entries(kind: string): [string, Record<string, unknown>][] {
    const out: [string, Record<string, unknown>][] = [];
    for (const [id, entry] of this.table(kind)) {
      if (this.live(entry)) out.push([id, entry.payload]);
    }
    return out;
  }

  set(kind: string, id: string, payload: Record<string, unknown>, expiresInSeconds?: number): void {
    const expiresAt =
      expiresInSeconds === undefined ? undefined : this.options.clock.now() + expiresInSeconds * 1000;
    this.table(kind).set(id, { payload, ...(expiresAt === undefined ? {} : { expiresAt }) });
    if (DURABLE_KINDS.has(kind)) this.flush();
  }

  /** Merges `patch` into a live entry, keeping its expiry. */
  update(kind: string, id: string, patch: Record<string, unknown>): void {
    const entry = this.live(this.table(kind).get(id));
    if (!entry) return;
    entry.payload = { ...entry.payload, ...patch };
    if (DURABLE_KINDS.has(kind)) this.flush();
  }

  delete(kind: string, id: string): boolean {
    const deleted = this.table(kind).delete(id);
    if (deleted && DURABLE_KINDS.has(kind)) this.flush();
    return deleted;
  }

  /** Deletes every entry of any kind whose payload matches; one write at the end. */
  deleteWhere(predicate: (kind: string, payload: Record<string, unknown>) => boolean): number {
    let count = 0;
    let durable = false;
    for (const [kind, map] of this.kinds) {
      for (const [id, entry] of map) {
        if (predicate(kind, entry.payload)) {
          map.delete(id);
          count += 1;
          durable ||= DURABLE_KINDS.has(kind);
        }
      }
    }
    if (durable) this.flush();
    return count;
  }

  /** Writes the durable kinds (live entries only) to the encrypted file, atomically. */
  private flush(): void {
    const { path, key } = this.options;
    if (!path || !key) return;
    const state: Record<string, Record<string, StoredEntry>> = {};
    for (const kind of DURABLE_KINDS) {
      state[kind] = Object.fromEntries(
        [...this.table(kind)].filter(([, entry]) => this.live(entry) !== undefined),
      );
    }
    writeFileAtomic(path, seal(key, JSON.stringify(state)));
  }
}
