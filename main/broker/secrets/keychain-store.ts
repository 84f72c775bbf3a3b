import { AsyncEntry, type EntryOptions, findCredentialsAsync } from '@napi-rs/keyring';

import { BrokerError, messageOf } from '../base/errors.js';
import { assertSecretName, type SecretStore } from './secret-store.js';

/**
 * On Linux, entries are pinned to the Secret Service. Without the pin, @napi-rs/keyring silently falls
 * back to the kernel keyring (keyutils), which forgets everything at logout or reboot and which
 * `findCredentials` cannot list; failing loudly with a fix is better than losing secrets.
 * The option is ignored on macOS and Windows.
 */
const ENTRY_OPTIONS: EntryOptions = { linux: { store: 'secret-service' } };

/** Entries kept for reuse; more names than this (never seen in practice) just cost a new entry. */
const MAX_CACHED_ENTRIES = 256;

/** Platform messages that mean "there is no usable keychain here" rather than "this entry is odd". */
const UNREACHABLE_PATTERN =
  /platform storage|platform failure|zbus|d-?bus|secret service|org\.freedesktop\.secrets|locked|prompt|access ?denied|autolaunch/i;

/** How to get a keychain (or do without one) on this platform, for error messages. */
export function keychainFixAdvice(platform: NodeJS.Platform = process.platform): string {
  const keychain =
    platform === 'darwin'
      ? 'unlock your login keychain (Keychain Access)'
      : platform === 'win32'
        ? 'make sure Windows Credential Manager is available for your user'
        : 'start a Secret Service provider (GNOME Keyring, or KeePassXC with Secret Service integration) in your desktop session and unlock it';
  return (
    `To fix it, ${keychain}, or explicitly choose the encrypted file store: set ` +
    `"secretStore": {"type": "encrypted-file"} in the config and provide the passphrase in MCP_AUTH_BROKER_PASSPHRASE.`
  );
}

/**
 * Secrets in the OS keychain via @napi-rs/keyring: macOS Keychain, Windows Credential Manager, or the
 * freedesktop Secret Service on Linux (GNOME Keyring, KeePassXC). Each secret is one keychain item with
 * service = `service` and account = the secret name.
 *
 * Every platform failure becomes `BrokerError('SECRET_STORE_UNAVAILABLE')`; its message says how to get
 * a keychain or switch to the encrypted file store, and never contains a secret value.
 */
export class KeychainSecretStore implements SecretStore {
  readonly description: string;
  /**
   * Entries by secret name. Making one is synchronous and slow (on Linux it opens a D-Bus session,
   * ~10 ms on the event loop), and the audit anchor is written after every record, so each name
   * gets one entry per process; an entry whose operation failed is dropped, so a restarted or
   * unlocked keychain is reached afresh.
   */
  private readonly entries = new Map<string, AsyncEntry>();

  /** @param service Keychain service name shared by all of this broker's items (`mcp-auth-broker`). */
  constructor(readonly service: string) {
    this.description = `OS keychain (service ${JSON.stringify(service)})`;
  }

  async get(name: string): Promise<string | undefined> {
    assertSecretName(name);
    try {
      const value = await this.entry(name).getPassword();
      return value ?? undefined;
    } catch (error) {
      this.entries.delete(name);
      throw this.storeError('read', name, error);
    }
  }

  async set(name: string, value: string): Promise<void> {
    assertSecretName(name);
    try {
      await this.entry(name).setPassword(value);
    } catch (error) {
      this.entries.delete(name);
      throw this.storeError('save', name, error, value);
    }
  }

  async delete(name: string): Promise<boolean> {
    assertSecretName(name);
    try {
      const entry = this.entry(name);
      // Look first: some platform fallbacks answer `true` for an item that never existed.
      if ((await entry.getPassword()) === null) return false;
      return await entry.deleteCredential();
    } catch (error) {
      this.entries.delete(name);
      throw this.storeError('delete', name, error);
    }
  }

  /** Account names of this service's items, sorted; values are dropped at once. */
  async list(): Promise<string[]> {
    try {
      const credentials = await findCredentialsAsync(this.service);
      return [...new Set(credentials.map((c) => c.account))].sort();
    } catch (error) {
      throw this.storeError('list', undefined, error);
    }
  }

  /** Creating an entry can itself fail (Linux: no session bus), so it happens inside each `try`. */
  private entry(name: string): AsyncEntry {
    let entry = this.entries.get(name);
    if (entry === undefined) {
      entry = new AsyncEntry(this.service, name, ENTRY_OPTIONS);
      if (this.entries.size >= MAX_CACHED_ENTRIES) this.entries.clear();
      this.entries.set(name, entry);
    }
    return entry;
  }

  private storeError(op: string, name: string | undefined, error: unknown, value?: string): BrokerError {
    let detail = messageOf(error).trim().replace(/\.+$/, '');
    if (value !== undefined && value.length > 0) detail = detail.split(value).join('[REDACTED]');
    const what = name === undefined ? `${op} secrets` : `${op} secret "${name}"`;
    if (UNREACHABLE_PATTERN.test(detail)) {
      return new BrokerError(
        'SECRET_STORE_UNAVAILABLE',
        `No OS keychain is reachable, so the broker cannot ${what} in the ${this.description}: ${detail}. ` +
          keychainFixAdvice(),
      );
    }
    return new BrokerError(
      'SECRET_STORE_UNAVAILABLE',
      `The ${this.description} failed to ${what}: ${detail}.`,
    );
  }
}
