import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import { z } from 'zod';

import { writeFileAtomic } from '../base/atomic-file.js';
import { BrokerError, messageOf } from '../base/errors.js';
import { assertSecretName, SECRET_NAME_PATTERN, type SecretStore } from './secret-store.js';

/**
 * File format, version 1 (JSON, mode 0600):
 *
 * ```json
 * { "version": 1,
 *   "kdf": { "name": "scrypt", "salt": "<base64, 16 bytes>", "N": 32768, "r": 8, "p": 1 },
 *   "check": { "iv": "…", "tag": "…", "data": "…" },
 *   "entries": { "<secret name>": { "iv": "<base64, 12 bytes>", "tag": "<base64, 16 bytes>", "data": "…" } } }
 * ```
 *
 * key = scrypt(passphrase (NFC), salt) — 32 bytes; every value is sealed with AES-256-GCM under a fresh
 * random 12-byte IV, with its secret name bound as additional authenticated data, so a value moved to
 * another name fails authentication. `check` seals a constant, so a wrong passphrase is refused even
 * before any secret is read. Secret names are visible in the file; values never are.
 */
const FORMAT_VERSION = 1;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const SALT_BYTES = 16;
const DEFAULT_KDF = { N: 2 ** 15, r: 8, p: 1 } as const;
const CHECK_PLAINTEXT = 'mcp-auth-broker secrets file';
const AAD_PREFIX = `mcp-auth-broker/secrets/v${String(FORMAT_VERSION)}`;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const SealedSchema = z.object({ iv: base64, tag: base64, data: base64 }).strict();
const SecretFileSchema = z
  .object({
    version: z.literal(FORMAT_VERSION),
    kdf: z
      .object({
        name: z.literal('scrypt'),
        salt: base64,
        // Bounds keep a hostile file from making the broker burn memory or accept a trivial KDF.
        N: z
          .number()
          .int()
          .min(2 ** 14)
          .max(2 ** 20)
          .refine((n) => (n & (n - 1)) === 0, 'a power of two'),
        r: z.number().int().min(1).max(32),
        p: z.number().int().min(1).max(16),
      })
      .strict(),
    check: SealedSchema,
    entries: z.record(z.string().regex(SECRET_NAME_PATTERN), SealedSchema),
  })
  .strict();

type Sealed = z.infer<typeof SealedSchema>;
type Kdf = z.infer<typeof SecretFileSchema>['kdf'];

/** A decrypted view of the file: the key, and the still-sealed entries by name. */
interface OpenFile {
  kdf: Kdf;
  key: Buffer;
  check: Sealed;
  entries: Map<string, Sealed>;
}

function deriveKey(passphrase: string, kdf: Kdf): Promise<Buffer> {
  const options: ScryptOptions = { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r };
  return new Promise((resolve, reject) => {
    scrypt(passphrase, Buffer.from(kdf.salt, 'base64'), KEY_BYTES, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

function seal(key: Buffer, aad: string, plaintext: string): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return { iv: iv.toString('base64'), tag: tag.toString('base64'), data: data.toString('base64') };
}

/** The plaintext, or `undefined` when authentication fails (wrong key, tampered data or name). */
function unseal(key: Buffer, aad: string, sealed: Sealed): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const data = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
    return data.toString('utf8');
  } catch {
    return undefined;
  }
}

const entryAad = (name: string): string => `${AAD_PREFIX}\0entry\0${name}`;
const CHECK_AAD = `${AAD_PREFIX}\0check`;

/**
 * Secrets in one passphrase-encrypted JSON file, for machines without an OS keychain. Chosen only
 * explicitly in the config (`"secretStore": {"type": "encrypted-file"}`); the passphrase comes from
 * MCP_AUTH_BROKER_PASSPHRASE (see `openSecretStore`).
 *
 * Writes are atomic (temp file + fsync + rename, mode 0600) and never contain plaintext. Operations of
 * one instance run one at a time; the file is re-read on each operation so changes made by another
 * process (e.g. the CLI) are seen, but two processes writing at the same moment can lose one write.
 *
 * Errors: `SECRET_FILE_CORRUPT` for a wrong passphrase, unreadable JSON or a value that fails its
 * integrity check; `SECRET_PASSPHRASE_MISSING` for an empty passphrase.
 */
export class EncryptedFileSecretStore implements SecretStore {
  readonly description: string;
  readonly path: string;
  readonly #passphrase: string;
  #keyCache: { kdf: string; key: Buffer } | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: { path: string; passphrase: string }) {
    if (options.passphrase.length === 0) {
      throw new BrokerError(
        'SECRET_PASSPHRASE_MISSING',
        `The encrypted secrets file ${options.path} needs a passphrase: set MCP_AUTH_BROKER_PASSPHRASE.`,
      );
    }
    this.path = options.path;
    this.#passphrase = options.passphrase.normalize('NFC');
    this.description = `encrypted file ${options.path}`;
  }

  get(name: string): Promise<string | undefined> {
    return this.#exclusive(async () => {
      assertSecretName(name);
      const file = await this.#read();
      const sealed = file?.entries.get(name);
      if (file === undefined || sealed === undefined) return undefined;
      const value = unseal(file.key, entryAad(name), sealed);
      if (value === undefined) {
        throw new BrokerError(
          'SECRET_FILE_CORRUPT',
          `Secret "${name}" in ${this.path} failed its integrity check: the file was modified or is corrupted. ` +
            `Restore the file from a backup, or set the secret again.`,
        );
      }
      return value;
    });
  }

  set(name: string, value: string): Promise<void> {
    return this.#exclusive(async () => {
      assertSecretName(name);
      const file = (await this.#read()) ?? (await this.#create());
      file.entries.set(name, seal(file.key, entryAad(name), value));
      this.#write(file);
    });
  }

  delete(name: string): Promise<boolean> {
    return this.#exclusive(async () => {
      assertSecretName(name);
      const file = await this.#read();
      if (file === undefined || !file.entries.delete(name)) return false;
      this.#write(file);
      return true;
    });
  }

  list(): Promise<string[]> {
    return this.#exclusive(async () => {
      const file = await this.#read();
      return file === undefined ? [] : [...file.entries.keys()].sort();
    });
  }

  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(operation, operation);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** The parsed file with its key verified, or `undefined` when the file does not exist yet. */
  async #read(): Promise<OpenFile | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new BrokerError('SECRET_FILE_CORRUPT', `Cannot read ${this.path}: ${messageOf(error)}`);
    }
    const file = this.#parse(text);
    const key = await this.#key(file.kdf);
    if (unseal(key, CHECK_AAD, file.check) !== CHECK_PLAINTEXT) {
      throw new BrokerError(
        'SECRET_FILE_CORRUPT',
        `Cannot decrypt ${this.path}: wrong passphrase or corrupted file. ` +
          `Check MCP_AUTH_BROKER_PASSPHRASE (it must be the passphrase the file was created with).`,
      );
    }
    return { kdf: file.kdf, key, check: file.check, entries: new Map(Object.entries(file.entries)) };
  }

  #parse(text: string): z.infer<typeof SecretFileSchema> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new BrokerError('SECRET_FILE_CORRUPT', `${this.path} is not valid JSON: the file is corrupted.`);
    }
    const result = SecretFileSchema.safeParse(json);
    if (!result.success) {
      const where = result.error.issues[0]?.path.join('.') ?? '';
      throw new BrokerError(
        'SECRET_FILE_CORRUPT',
        `${this.path} is not a version ${String(FORMAT_VERSION)} encrypted secrets file (problem at "${where}"): ` +
          `the file is corrupted or was written by another program.`,
      );
    }
    return result.data;
  }

  /** Derives the key once per salt and cost, so repeated operations stay cheap. */
  async #key(kdf: Kdf): Promise<Buffer> {
    const id = JSON.stringify(kdf);
    if (this.#keyCache?.kdf === id) return this.#keyCache.key;
    const key = await deriveKey(this.#passphrase, kdf);
    this.#keyCache = { kdf: id, key };
    return key;
  }

  async #create(): Promise<OpenFile> {
    const kdf: Kdf = { name: 'scrypt', salt: randomBytes(SALT_BYTES).toString('base64'), ...DEFAULT_KDF };
    const key = await this.#key(kdf);
    return { kdf, key, check: seal(key, CHECK_AAD, CHECK_PLAINTEXT), entries: new Map() };
  }

  #write(file: OpenFile): void {
    const entries = Object.fromEntries([...file.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const json = { version: FORMAT_VERSION, kdf: file.kdf, check: file.check, entries };
    writeFileAtomic(this.path, `${JSON.stringify(json, null, 2)}\n`, 0o600);
  }
}
