import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { z } from 'zod';

import { readFileNoFollow } from '../base/private-path.js';

/**
 * On-disk layout of the audit log folder:
 * - `audit.jsonl`: the active file, appended to;
 * - `audit-000001.jsonl`, `audit-000002.jsonl`, …: rotated files, oldest first, never deleted by us;
 * - `audit.head.json`: `{seq, hash}` of the last line written, where `hash` is the SHA-256 of that
 *   line's bytes (the `prev` the next line will carry). Lets the verifier notice removed tail lines.
 */
export const AUDIT_ACTIVE_FILE = 'audit.jsonl';
export const AUDIT_HEAD_FILE = 'audit.head.json';

const ROTATED_PATTERN = /^audit-(\d{6,})\.jsonl$/;

/** File name of the `n`th rotated file (1-based). */
export function rotatedFileName(n: number): string {
  return `audit-${String(n).padStart(6, '0')}.jsonl`;
}

/** A rotated file and its sequence number. */
export interface RotatedFile {
  name: string;
  number: number;
}

/** Rotated files in `dir`, oldest first; empty when the folder does not exist. */
export function listRotatedFiles(dir: string): RotatedFile[] {
  if (!existsSync(dir)) return [];
  const files: RotatedFile[] = [];
  for (const name of readdirSync(dir)) {
    const match = ROTATED_PATTERN.exec(name);
    if (match?.[1] !== undefined) files.push({ name, number: Number(match[1]) });
  }
  return files.sort((a, b) => a.number - b.number);
}

/** Every log file name in chain order: rotated files oldest first, then the active file if present. */
export function listAuditFiles(dir: string): string[] {
  const names = listRotatedFiles(dir).map((f) => f.name);
  if (existsSync(join(dir, AUDIT_ACTIVE_FILE))) names.push(AUDIT_ACTIVE_FILE);
  return names;
}

/** A file's content cut into lines: complete ones, plus a torn tail when the last has no newline. */
export interface SplitLines {
  lines: Buffer[];
  /** Bytes after the last newline (a line whose write did not finish), if any. */
  torn?: Buffer;
}

/** Splits raw bytes on `\n`, keeping each line's exact bytes (the chain hashes bytes, not text). */
export function splitLines(data: Buffer): SplitLines {
  const lines: Buffer[] = [];
  let start = 0;
  for (let nl = data.indexOf(0x0a, start); nl !== -1; nl = data.indexOf(0x0a, start)) {
    lines.push(data.subarray(start, nl));
    start = nl + 1;
  }
  return start < data.length ? { lines, torn: data.subarray(start) } : { lines };
}

/** Contents of the head file. */
export interface AuditHead {
  seq: number;
  /** SHA-256 (hex) of the last line's exact bytes. */
  hash: string;
}

const AuditHeadSchema = z.strictObject({
  seq: z.number().int().positive(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});

/**
 * The head file of `dir`: `undefined` when absent, `'invalid'` when it exists but is not a head.
 */
export function readAuditHead(dir: string): AuditHead | 'invalid' | undefined {
  const path = join(dir, AUDIT_HEAD_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const parsed = AuditHeadSchema.safeParse(JSON.parse(readFileNoFollow(path).toString('utf8')));
    return parsed.success ? parsed.data : 'invalid';
  } catch {
    return 'invalid';
  }
}

/** One file of a {@link readAuditSnapshot}: its name and its bytes as read. */
export interface SnapshotFile {
  name: string;
  data: Buffer;
}

/** How many times {@link readAuditSnapshot} re-reads before it gives up on a log that keeps rotating. */
const SNAPSHOT_ATTEMPTS = 50;

/**
 * The pause before re-read `attempt` (0-based): none for the first few, then 1, 2, 4 … ms up to 50.
 * A writer in another process can be descheduled between renaming the active file away and creating
 * the next one; re-reading at once, 50 times in a row, can all fall inside that gap on a busy machine.
 * Altogether at most about 2 s, and only when another process is rotating the log right now.
 */
function snapshotPause(attempt: number): number {
  return attempt < 4 ? 0 : Math.min(2 ** (attempt - 4), 50);
}

const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for `ms` (verify is synchronous; the broker's own writer never makes it wait). */
function pauseSync(ms: number): void {
  if (ms > 0) Atomics.wait(pauseCell, 0, 0, ms);
}

function readIfPresent(path: string): Buffer | undefined {
  try {
    return readFileNoFollow(path);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The log's files in chain order, read as one consistent state even while a broker appends and
 * rotates. Rotated files never change once they have their name, so each is read once. The active
 * file is read between two listings of the folder; when rotations happened in between, the active
 * bytes read are either a prefix of one of the newly rotated files (read before that rotation: the
 * snapshot then ends with that rotated file) or the active file after the last of them (the snapshot
 * is every rotated file plus those bytes). So a writer that rotates faster than a reader lists the
 * folder still gives a consistent snapshot; only the active file missing mid-rename or a last line
 * read mid-write means reading again.
 * @returns `undefined` when no consistent state could be read in 50 attempts (about 2 s in all).
 */
export function readAuditSnapshot(dir: string): SnapshotFile[] | undefined {
  const rotated = new Map<string, Buffer>();
  const readRotated = (names: string[]): boolean => {
    for (const name of names) {
      if (rotated.has(name)) continue;
      const data = readIfPresent(join(dir, name));
      if (data === undefined) return false;
      rotated.set(name, data);
    }
    return true;
  };
  const filesOf = (names: string[]): SnapshotFile[] =>
    names.map((name) => ({ name, data: rotated.get(name) ?? Buffer.alloc(0) }));
  for (let attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
    pauseSync(snapshotPause(attempt));
    const before = listRotatedFiles(dir).map((f) => f.name);
    if (!readRotated(before)) continue;
    const active = readIfPresent(join(dir, AUDIT_ACTIVE_FILE));
    const after = listRotatedFiles(dir).map((f) => f.name);
    // Rotated files are only ever added after the ones already there; anything else (a file
    // removed or renamed meanwhile) is not a state a writer passes through: look again.
    if (after.length < before.length || before.some((n, i) => n !== after[i])) continue;
    if (!readRotated(after)) continue;
    if (active !== undefined && active.length > 0) {
      for (let i = before.length; i < after.length; i++) {
        const data = rotated.get(after[i] ?? '');
        if (
          data !== undefined &&
          data.length >= active.length &&
          data.subarray(0, active.length).equals(active)
        ) {
          return filesOf(after.slice(0, i + 1));
        }
      }
    }
    // No active file while rotated ones exist: mid-rotation (or removed); a last line without its
    // newline: read mid-write (or torn by a crash). Look again; the last attempt takes it as it is.
    const last = attempt === SNAPSHOT_ATTEMPTS - 1;
    if (!last && active === undefined && after.length > 0) continue;
    if (!last && active !== undefined && active.length > 0 && active.at(-1) !== 0x0a) continue;
    const files = filesOf(after);
    return active === undefined ? files : [...files, { name: AUDIT_ACTIVE_FILE, data: active }];
  }
  return undefined;
}
