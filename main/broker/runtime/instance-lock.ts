import { closeSync, openSync, rmSync, writeSync } from 'node:fs';

import { writeFileAtomic } from '../base/atomic-file.js';
import { BrokerError } from '../base/errors.js';
import { ensureStateDir, readFileNoFollow } from '../base/private-path.js';
import { dataDirPath } from './paths.js';

/** What the lock file says about its holder (non-secret). */
export interface LockInfo {
  pid: number;
  /** What holds it: the broker (`serve`) or a one-off CLI command writing state while no broker runs. */
  role: 'broker' | 'cli';
  startedAt: string;
  /**
   * The holder's start time as the kernel counts it (`/proc/<pid>/stat` field 22, Linux), so a pid
   * reused by another process after a crash is not mistaken for the holder.
   */
  procStart?: string;
  url?: string;
}

export interface InstanceLock {
  readonly path: string;
  /** Rewrites the holder info (e.g. once the HTTP port is known). */
  update(info: Partial<LockInfo>): void;
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Start time of process `pid` in clock ticks since boot (Linux); undefined elsewhere or when gone. */
export function processStartTime(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileNoFollow(`/proc/${String(pid)}/stat`).toString('utf8');
    // Fields after the parenthesized command name (which may contain spaces): state is field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** True when the lock's holder still runs: its pid is alive and, where recorded, started when it did. */
function holderIsAlive(holder: LockInfo): boolean {
  if (!isAlive(holder.pid)) return false;
  if (holder.procStart === undefined) return true;
  const now = processStartTime(holder.pid);
  return now === undefined || now === holder.procStart;
}

function readHolder(path: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileNoFollow(path).toString('utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

function tryCreate(path: string, info: LockInfo): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, JSON.stringify(info));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * One broker per user and data dir: an exclusive lock file `<dataDir>/broker.lock`. A lock left by
 * a process that no longer exists (or whose pid now belongs to a process started at another time) is
 * taken over; a live holder makes this throw LOCK_HELD.
 */
export function acquireInstanceLock(dataDir: string, role: LockInfo['role']): InstanceLock {
  ensureStateDir(dataDir, 'the data dir');
  const path = dataDirPath(dataDir, 'lock');
  const procStart = processStartTime(process.pid);
  let info: LockInfo = {
    pid: process.pid,
    role,
    startedAt: new Date().toISOString(),
    ...(procStart === undefined ? {} : { procStart }),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(path, info)) {
      let released = false;
      return {
        path,
        update(patch) {
          info = { ...info, ...patch };
          if (!released) writeFileAtomic(path, JSON.stringify(info));
        },
        release() {
          if (released) return;
          released = true;
          if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
        },
      };
    }
    const holder = readHolder(path);
    if (holder && holder.pid !== process.pid && holderIsAlive(holder)) {
      const what =
        holder.role === 'broker'
          ? `a broker is already running`
          : `another mcp-auth-broker command is running`;
      throw new BrokerError(
        'LOCK_HELD',
        `${what} for this data dir (pid ${String(holder.pid)}${holder.url ? `, ${holder.url}` : ''}). ` +
          `Use that one, or stop it first (lock file: ${path}).`,
      );
    }
    rmSync(path, { force: true });
  }
  throw new BrokerError('LOCK_HELD', `Could not take the broker lock ${path}; try again.`);
}
