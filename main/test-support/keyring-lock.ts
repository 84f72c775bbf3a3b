import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/**
 * Locks and unlocks the private gnome-keyring that `scripts/with-keyring.js` starts, the way a person's
 * screen lock or a "Lock keyring" click does, so tests see the real "locked keychain" errors:
 * - lock: `org.freedesktop.Secret.Service.Lock` on the login collection (over D-Bus, with `gdbus`);
 * - unlock: the daemon's control socket (`$XDG_RUNTIME_DIR/keyring/control`, the protocol
 *   `gnome-keyring-daemon --unlock` and the PAM module speak: op UNLOCK with the login password).
 *   (`gnome-keyring-daemon --unlock` cannot reach a running daemon, and `--replace` drops every
 *   client's Secret Service session.)
 */
const LOGIN_COLLECTION = '/org/freedesktop/secrets/collection/login';
/** The throwaway password scripts/with-keyring.js unlocks its keyring with. */
const KEYRING_PASSWORD = 'pw';
const OP_UNLOCK = 1;

function controlSocket(): string | undefined {
  const runtime = process.env['XDG_RUNTIME_DIR'];
  return runtime === undefined ? undefined : join(runtime, 'keyring', 'control');
}

function hasGdbus(): boolean {
  try {
    execFileSync('gdbus', ['help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether lock/unlock work here; `reason` says why not (print it when skipping). */
export function keyringLockAvailability(): { available: boolean; reason: string } {
  if (process.env['MCP_AUTH_BROKER_KEYRING_WRAPPED'] !== '1') {
    return { available: false, reason: 'not inside scripts/with-keyring.js (no private gnome-keyring)' };
  }
  const socket = controlSocket();
  if (socket === undefined || !existsSync(socket)) {
    return { available: false, reason: 'the gnome-keyring control socket is missing' };
  }
  if (!hasGdbus())
    return { available: false, reason: 'gdbus is not installed (apt-get install libglib2.0-bin)' };
  return { available: true, reason: 'private gnome-keyring with a control socket' };
}

/** Locks the login collection: every get/set then fails as on a locked desktop. */
export function lockKeyring(): void {
  execFileSync(
    'gdbus',
    [
      'call',
      '--session',
      '--dest',
      'org.freedesktop.secrets',
      '--object-path',
      '/org/freedesktop/secrets',
      '--method',
      'org.freedesktop.Secret.Service.Lock',
      `['${LOGIN_COLLECTION}']`,
    ],
    { stdio: 'ignore', timeout: 10_000 },
  );
}

/** Unlocks the login collection with its password; resolves when the daemon says OK. */
export function unlockKeyring(): Promise<void> {
  const socket = controlSocket();
  if (socket === undefined) return Promise.reject(new Error('XDG_RUNTIME_DIR is not set'));
  return new Promise((resolve, reject) => {
    const password = Buffer.from(KEYRING_PASSWORD);
    const packet = Buffer.alloc(12 + password.length);
    packet.writeUInt32BE(packet.length, 0);
    packet.writeUInt32BE(OP_UNLOCK, 4);
    packet.writeUInt32BE(password.length, 8);
    password.copy(packet, 12);
    const chunks: Buffer[] = [];
    const conn = connect(socket, () => {
      conn.write(Buffer.from([0])); // the credentials byte (the daemon checks our uid)
      conn.write(packet);
    });
    conn.on('data', (chunk: Buffer) => chunks.push(chunk));
    conn.on('error', reject);
    conn.on('close', () => {
      const answer = Buffer.concat(chunks);
      const result = answer.length >= 8 ? answer.readUInt32BE(4) : -1;
      if (result === 0) resolve();
      else reject(new Error(`gnome-keyring refused the unlock (result ${String(result)})`));
    });
  });
}
