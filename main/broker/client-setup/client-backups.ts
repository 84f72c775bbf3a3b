import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { z } from 'zod';

import { writeFileAtomic } from '../base/atomic-file.js';
import type { Clock } from '../base/clock.js';
import { BrokerError, messageOf } from '../base/errors.js';
import { seal, unseal } from '../base/sealed-box.js';
import type { SecretStore } from '../secrets/secret-store.js';

/**
 * One backup per install of the broker into a client's config file, so `uninstall` can put the
 * file back exactly. A client file usually holds plaintext tokens (that is why the entries move into
 * the broker), so its copy is sealed with AES-256-GCM under a key kept in the SecretStore: the data
 * dir never holds a readable token. Files are 0600 in a 0700 folder; the newest few are kept.
 */

/** SecretStore name of the backups' key. */
export const BACKUP_KEY_SECRET = 'client-setup:backup-key';
/** Backups kept per client; older ones are deleted at the next install. */
export const BACKUPS_KEPT = 5;

const RecordSchema = z.object({
  client: z.string(),
  path: z.string(),
  /** False when the install created the file: restoring then deletes it. */
  existed: z.boolean(),
  /** The file before the install, base64 (absent when it did not exist). */
  original: z.string().optional(),
  mode: z.number().int(),
  /** SHA-256 (hex) of what the install wrote: an unchanged file is restored byte for byte. */
  written: z.string(),
  /** Entries the install removed because they now live in the broker. */
  removed: z.array(z.string()),
  createdAt: z.string(),
});
export type BackupRecord = z.infer<typeof RecordSchema>;

export class ClientBackups {
  constructor(
    private readonly dir: string,
    private readonly store: SecretStore,
    private readonly clock: Clock,
  ) {}

  private async key(): Promise<Buffer> {
    const stored = await this.store.get(BACKUP_KEY_SECRET);
    if (stored !== undefined) return Buffer.from(stored, 'base64url');
    const key = randomBytes(32);
    await this.store.set(BACKUP_KEY_SECRET, key.toString('base64url'));
    return key;
  }

  private folder(client: string): string {
    return join(this.dir, client);
  }

  /** Newest first. */
  private files(client: string): string[] {
    try {
      return readdirSync(this.folder(client))
        .filter((f) => f.endsWith('.sealed'))
        .sort()
        .reverse()
        .map((f) => join(this.folder(client), f));
    } catch {
      return [];
    }
  }

  /** Seals and writes `record`; keeps the newest {@link BACKUPS_KEPT}. Returns the backup's path. */
  async save(record: Omit<BackupRecord, 'createdAt'>): Promise<string> {
    const key = await this.key();
    const createdAt = new Date(this.clock.now()).toISOString();
    mkdirSync(this.folder(record.client), { recursive: true, mode: 0o700 });
    const stamp = createdAt.replace(/[:.]/g, '-');
    const file = join(this.folder(record.client), `${stamp}-${randomBytes(3).toString('hex')}.sealed`);
    const body = JSON.stringify({ ...record, createdAt } satisfies BackupRecord);
    writeFileAtomic(file, seal(key, body, `client-backup:${record.client}`), 0o600);
    for (const old of this.files(record.client).slice(BACKUPS_KEPT)) rmSync(old, { force: true });
    return file;
  }

  /** The newest backup of `client` and its file, or undefined when there is none. */
  async latest(client: string): Promise<{ file: string; record: BackupRecord } | undefined> {
    const file = this.files(client)[0];
    if (!file) return undefined;
    const stored = await this.store.get(BACKUP_KEY_SECRET);
    if (stored === undefined)
      throw new BrokerError(
        'BACKUP_UNREADABLE',
        `The key of the client backups is missing from the keychain, so ${file} cannot be read.`,
      );
    try {
      const text = unseal(
        Buffer.from(stored, 'base64url'),
        readFileSync(file, 'utf8'),
        `client-backup:${client}`,
      );
      return { file, record: RecordSchema.parse(JSON.parse(text.toString('utf8'))) };
    } catch (error) {
      throw new BrokerError('BACKUP_UNREADABLE', `The backup ${file} cannot be read: ${messageOf(error)}.`);
    }
  }

  discard(file: string): void {
    rmSync(file, { force: true });
  }
}
