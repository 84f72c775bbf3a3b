import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  type Stats,
  statSync,
} from 'node:fs';

import { BrokerError } from './errors.js';

/**
 * Checks on the folders and sockets only this OS user may use (issue 9 point 4). On Windows the
 * named pipes and the per-user profile folders carry their own ACLs, so these checks are Unix-only.
 */
const UNIX = process.platform !== 'win32';

/** Open flag that makes `open` fail (ELOOP) instead of following a symlink at the last component. */
export const O_NOFOLLOW = UNIX ? constants.O_NOFOLLOW : 0;

/** `fs.open` flags for appending to a state or audit file, never through a symlink. */
export const APPEND_NOFOLLOW = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | O_NOFOLLOW;

/** `fs.open` flags for reading a state or audit file, never through a symlink. */
export const READ_NOFOLLOW = constants.O_RDONLY | O_NOFOLLOW;

function myUid(): number | undefined {
  return process.getuid?.();
}

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(3, '0');
}

function unsafe(path: string, what: string, why: string): BrokerError {
  return new BrokerError(
    'PATH_UNSAFE',
    `Refusing to use ${what} ${path}: ${why}. Another local user could read or replace what is in it. ` +
      `Remove it (or fix its owner and mode: owned by you, chmod 700) and start again.`,
  );
}

function ownerProblem(st: Stats): string | undefined {
  const uid = myUid();
  if (uid !== undefined && st.uid !== uid)
    return `it belongs to uid ${String(st.uid)}, not to you (uid ${String(uid)})`;
  return undefined;
}

/**
 * Creates (0700) or checks the folder that holds the broker's sockets: it must be a real folder (not
 * a symlink), owned by this user, with no access for group or others. Anything else is refused
 * (a folder planted by someone else is never tightened and used).
 *
 * @throws BrokerError `PATH_UNSAFE` naming the folder.
 */
export function ensureSocketDir(dir: string): void {
  if (!UNIX) return;
  const existed = existsSync(dir);
  if (!existed) mkdirSync(dir, { recursive: true, mode: 0o700 });
  assertSocketDir(dir, existed ? undefined : () => chmodSync(dir, 0o700));
}

/**
 * Checks an existing socket folder as `ensureSocketDir` does, without creating anything.
 *
 * @throws BrokerError `PATH_UNSAFE` naming the folder.
 */
export function assertSocketDir(dir: string, tighten?: () => void): void {
  if (!UNIX) return;
  const what = 'the socket folder';
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) throw unsafe(dir, what, 'it is a symlink');
  if (!st.isDirectory()) throw unsafe(dir, what, 'it is not a folder');
  const owner = ownerProblem(st);
  if (owner) throw unsafe(dir, what, owner);
  if ((st.mode & 0o077) !== 0) {
    if (!tighten) throw unsafe(dir, what, `its mode is ${octal(st.mode)} (group or others have access)`);
    tighten();
  }
}

/**
 * True when `path` is a socket of this user with no group/other access; false when it does not
 * exist. A symlink, another file type or another owner is refused.
 *
 * @throws BrokerError `PATH_UNSAFE` naming the socket.
 */
export function checkOwnSocket(path: string): boolean {
  if (!UNIX) return true;
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const what = 'the socket';
  if (st.isSymbolicLink()) throw unsafe(path, what, 'it is a symlink');
  if (!st.isSocket()) throw unsafe(path, what, 'it is not a socket');
  const owner = ownerProblem(st);
  if (owner) throw unsafe(path, what, owner);
  if ((st.mode & 0o077) !== 0)
    throw unsafe(path, what, `its mode is ${octal(st.mode)} (group or others have access)`);
  return true;
}

/**
 * Creates (0700) or checks a folder holding broker state (the data dir, the audit folder). One that
 * already exists and is group- or world-writable is tightened to 0700 when it is ours, and refused
 * when it belongs to someone else. A symlinked data dir is allowed (people move it to another disk);
 * its target is what gets checked.
 *
 * @throws BrokerError `PATH_UNSAFE` naming the folder.
 */
export function ensureStateDir(dir: string, what: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!UNIX) return;
  const st = statSync(dir);
  if (!st.isDirectory()) throw unsafe(dir, what, 'it is not a folder');
  const owner = ownerProblem(st);
  if (owner) throw unsafe(dir, what, owner);
  if ((st.mode & 0o022) !== 0) chmodSync(dir, 0o700);
}

/**
 * Refuses a state or audit file that is a symlink (someone could point it at another file of
 * this user's, or at one they can read). A missing file is fine.
 *
 * @throws BrokerError `PATH_UNSAFE` naming the file.
 */
export function assertNotSymlink(path: string, what: string): void {
  if (!UNIX) return;
  try {
    if (lstatSync(path).isSymbolicLink()) throw unsafe(path, what, 'it is a symlink');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Reads a state or audit file without following a symlink at its last component.
 *
 * @throws BrokerError `PATH_UNSAFE` naming the file when it is a symlink.
 */
export function readFileNoFollow(path: string, what = 'the state file'): Buffer {
  let fd: number;
  try {
    fd = openSync(path, READ_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw unsafe(path, what, 'it is a symlink');
    throw error;
  }
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
