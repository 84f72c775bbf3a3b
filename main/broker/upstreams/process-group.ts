/**
 * Ending a POSIX process group: a stdio server is spawned as the leader of its own group (its pid is
 * the group id), so `kill(-pgid, …)` reaches it and every descendant that did not leave the group.
 */

const POLL_MS = 25;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Sends `signal` to every process of group `pgid`; false when the group is empty (ESRCH). */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // EPERM: a member is not ours to signal (it changed user); there is nothing more we can do.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resolves true once group `pgid` is empty, false after `timeoutMs`. */
async function groupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (signalGroup(pgid, 0)) {
    if (Date.now() >= deadline) return false;
    await delay(POLL_MS);
  }
  return true;
}

/**
 * Ends process group `pgid`: waits (at most `graceMs`) for `leaderGone` (the server leaving by
 * itself once its stdin closed), then SIGTERM to the whole group, then SIGKILL to whatever is still
 * there `graceMs` later. Bounded by 2 × `graceMs` plus a poll; never throws.
 */
export async function endProcessGroup(
  pgid: number,
  graceMs: number,
  leaderGone: Promise<void>,
): Promise<void> {
  await Promise.race([leaderGone, delay(graceMs)]);
  if (!signalGroup(pgid, 'SIGTERM')) return;
  if (await groupGone(pgid, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
}
