import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { connect, type Server } from 'node:net';

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
 * Listens on a Unix domain socket (or Windows named pipe) only the same OS user can open: the
 * folder is 0700 and the socket 0600. A stale socket file left by a crashed broker is removed.
 */
export async function listenLocal(server: Server, path: string, runDir: string): Promise<void> {
  const isPipe = path.startsWith('\\\\.\\pipe\\');
  if (!isPipe) {
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    chmodSync(runDir, 0o700);
    if (existsSync(path)) {
      if (await socketIsLive(path)) throw new Error(`Socket ${path} is in use by another process.`);
      rmSync(path, { force: true });
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (!isPipe) chmodSync(path, 0o600);
}
