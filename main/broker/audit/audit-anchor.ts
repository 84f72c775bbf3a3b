import { createHash, createHmac, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

import { z } from 'zod';

import { messageOf } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import type { SecretStore } from '../secrets/secret-store.js';

/*
 * The audit chain's keying and anchor, kept in the secret store (the OS keychain), out of reach of
 * whoever can only write files:
 * - `audit-chain-key:<id>`: a random 256-bit HMAC key; every record written since keying started
 *   carries `mac` = HMAC-SHA256(key, hash), so lines cannot be forged or a chain fabricated;
 * - `audit-chain-anchor:<id>`: `{seq, hash, keyedFrom}` — the last record written (its seq and the
 *   SHA-256 of its line) and the first keyed seq, so cut tails and deleted files are detected.
 * The anchor follows the writes, coalesced (one keychain write in flight, then a pause of
 * ANCHOR_INTERVAL_MS before the next), and is flushed on shutdown: a kill can leave it behind by the
 * records of one interval, which `audit verify` reads as "more lines than anchored", never as a cut.
 */

/**
 * Least time between two anchor writes. Each is a D-Bus round trip the keychain daemon spends CPU
 * on; one per record made the daemon compete with the broker for the cores under load.
 */
export const ANCHOR_INTERVAL_MS = 100;

/**
 * Secret names of the key and anchor of the log in `dir`: `audit-chain-key:<id>` and
 * `audit-chain-anchor:<id>`, where `<id>` is 12 hex digits of the SHA-256 of the folder's absolute
 * path, so brokers with different data folders sharing one keychain service keep separate chains.
 */
export function auditSecretNames(dir: string): { key: string; anchor: string } {
  const id = createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 12);
  return { key: `audit-chain-key:${id}`, anchor: `audit-chain-anchor:${id}` };
}

const AnchorSchema = z.strictObject({
  seq: z.number().int().nonnegative(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  keyedFrom: z.number().int().positive(),
});

/** Where the keychain says the log stood. */
export type AuditAnchor = z.infer<typeof AnchorSchema>;

/** The key and last anchor read from the store. */
export interface AuditKeying {
  key: Buffer;
  /** Undefined before the first keyed record was anchored. */
  anchor: AuditAnchor | undefined;
}

/** HMAC-SHA256 (hex) of a record's `hash` under the chain key. */
export function recordMac(key: Buffer, hash: string): string {
  return createHmac('sha256', key).update(hash).digest('hex');
}

/** Reads the key and anchor; `undefined` when the log was never keyed (legacy). */
export async function readAuditKeying(store: SecretStore, dir: string): Promise<AuditKeying | undefined> {
  const names = auditSecretNames(dir);
  const key = await store.get(names.key);
  if (key === undefined) return undefined;
  const text = await store.get(names.anchor);
  let anchor: AuditAnchor | undefined;
  if (text !== undefined) {
    const parsed = AnchorSchema.safeParse(JSON.parse(text) as unknown);
    // An unreadable anchor is treated like a deleted one would be: as the worst case, seq unknown.
    anchor = parsed.success
      ? parsed.data
      : { seq: Number.MAX_SAFE_INTEGER, hash: '0'.repeat(64), keyedFrom: 1 };
  }
  return { key: Buffer.from(key, 'base64'), anchor };
}

/** Reads the key and anchor, creating the key the first time (the log starts being keyed). */
export async function openAuditKeying(store: SecretStore, dir: string): Promise<AuditKeying> {
  const existing = await readAuditKeying(store, dir);
  if (existing !== undefined) return existing;
  const key = randomBytes(32);
  await store.set(auditSecretNames(dir).key, key.toString('base64'));
  return { key, anchor: undefined };
}

/**
 * {@link openAuditKeying} with the store attached, or `undefined` (a legacy, unkeyed log this run;
 * `audit verify` then names the unkeyed lines) when the secret store cannot be reached.
 */
export async function openAuditKeyingOrWarn(
  store: SecretStore,
  dir: string,
  logger?: Logger,
): Promise<(AuditKeying & { store: SecretStore }) | undefined> {
  try {
    return { ...(await openAuditKeying(store, dir)), store };
  } catch (error) {
    logger?.warn({ err: messageOf(error) }, 'audit log not keyed this run: the secret store is unavailable');
    return undefined;
  }
}

/** Writes the newest anchor to the store, one write at a time; later anchors replace waiting ones. */
export class AnchorWriter {
  private pending: AuditAnchor | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;
  /** Set by flush(): write what waits now, without the pause. */
  private urgent = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly store: SecretStore,
    private readonly name: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  update(anchor: AuditAnchor): void {
    this.pending = anchor;
    this.running ??= this.drain();
  }

  /** Resolves once the newest anchor is stored (or its write failed). */
  async flush(): Promise<void> {
    this.urgent = true;
    this.wake?.();
    try {
      await this.running;
    } finally {
      this.urgent = false;
    }
  }

  /** Waits out the interval (unref'd: it never keeps the process alive), or until flush(). */
  private pause(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ANCHOR_INTERVAL_MS);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      this.wake = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.pending !== undefined) {
      const anchor = this.pending;
      this.pending = undefined;
      try {
        await this.store.set(this.name, JSON.stringify(anchor));
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        this.pending ??= anchor;
        this.onError(error);
        if (this.failures >= 3) break; // keychain gone; the next record tries again
      }
      if (!this.urgent) await this.pause();
    }
    this.running = undefined;
  }
}
