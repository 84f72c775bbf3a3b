import { chmodSync, existsSync, rmSync } from 'node:fs';
import { connect, type Server } from 'node:net';

import { assertSocketDir, checkOwnSocket, ensureSocketDir } from '../base/private-path.js';
import type { RuntimePaths } from '../runtime/paths.js';

/** True when something is accepting connections on the socket path. */
export function socketIsLive(path: string, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (live: boolean) => {
      socket.destroy();
      resolve(live);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * True when the socket at `socketPath` (one of `paths`) exists in a folder and as a socket private
 * to this user; false when the folder or socket is absent (no broker). Called before connecting, so
 * a folder or socket planted by someone else is never talked to.
 *
 * @throws BrokerError `PATH_UNSAFE` naming the folder or socket.
 */
export function localSocketPresent(paths: RuntimePaths, socketPath: string): boolean {
  if (socketPath.startsWith('\\\\.\\pipe\\')) return true;
  if (!existsSync(paths.runDir)) return false;
  assertSocketDir(paths.runDir);
  return checkOwnSocket(socketPath);
}

/** Runs `listen` with umask 077 so the socket is never, even briefly, open to group or others. */
function withPrivateUmask<T>(fn: () => T): T {
  let previous: number | undefined;
  try {
    previous = process.umask(0o077);
  } catch {
    /* worker threads cannot change the umask; the chmod below still applies */
  }
  try {
    return fn();
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
}

/**
 * Listens on a Unix domain socket (or Windows named pipe) only the same OS user can open: the
 * folder is 0700 and the socket 0600, both checked (owner, mode, no symlink) before use. A stale
 * socket file left by a crashed broker is removed.
 *
 * @throws BrokerError `PATH_UNSAFE` when the folder or an old socket there is not this user's.
 */
export async function listenLocal(server: Server, path: string, runDir: string): Promise<void> {
  const isPipe = path.startsWith('\\\\.\\pipe\\');
  if (!isPipe) {
    ensureSocketDir(runDir);
    if (checkOwnSocket(path)) {
      if (await socketIsLive(path)) throw new Error(`Socket ${path} is in use by another process.`);
      rmSync(path, { force: true });
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    withPrivateUmask(() =>
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      }),
    );
  });
  if (!isPipe) chmodSync(path, 0o600);
}
