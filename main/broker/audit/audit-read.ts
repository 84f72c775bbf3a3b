import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

import { READ_NOFOLLOW, readFileNoFollow } from '../base/private-path.js';
import { parseAuditLine } from './audit-chain.js';
import type { AuditRecord } from './audit-event.js';
import { AUDIT_ACTIVE_FILE, listAuditFiles, listRotatedFiles, splitLines } from './audit-files.js';
import { escapeInvisible } from './audit-text.js';

/** How often {@link followAudit} looks for new lines. */
const FOLLOW_POLL_MS = 200;

/** The complete, parseable records of one log file, in order (damaged lines are skipped). */
function readRecords(path: string): AuditRecord[] {
  if (!existsSync(path)) return [];
  const records: AuditRecord[] = [];
  for (const line of splitLines(readFileNoFollow(path, 'the audit file')).lines) {
    const parsed = parseAuditLine(line.toString('utf8'));
    if (parsed.ok) records.push(parsed.record);
  }
  return records;
}

/**
 * The last `count` records of the log in `dir` across rotated files, oldest first. Lines that are
 * not records (damage, a torn last line) are skipped; `audit verify` is the place to report them.
 */
export function readAuditTail(dir: string, count: number): AuditRecord[] {
  const wanted = Math.floor(count);
  if (!(wanted > 0)) return [];
  let out: AuditRecord[] = [];
  for (const file of listAuditFiles(dir).reverse()) {
    const records = readRecords(join(dir, file));
    out = records.slice(Math.max(0, records.length - (wanted - out.length))).concat(out);
    if (out.length >= wanted) break;
  }
  return out;
}

/**
 * A field value as `audit tail` prints it: invisible characters escaped, and quoted (JSON string
 * syntax) when it is empty or holds a space, `=`, `"` or `\\`, so a value can never print as
 * look-alike fields (`client=x  server=github tool=delete_repository`).
 */
function fieldValue(value: string | number): string {
  const text = escapeInvisible(String(value));
  return text === '' || /[\s="\\]/u.test(text) ? JSON.stringify(text) : text;
}

/** The free-text message printed last: escaped; quoted only when it could look like fields. */
function messageText(message: string): string {
  const text = escapeInvisible(message);
  return /[="]/u.test(text) ? JSON.stringify(text) : text;
}

/**
 * One readable line for `audit tail` without `--json`:
 * `time  type  outcome  client=… id=… server=… tool=… 12ms error=…  message`.
 */
export function formatAuditRecord(r: AuditRecord): string {
  const parts = [r.time, r.type.padEnd(19), (r.outcome ?? '-').padEnd(6)];
  if (r.client !== undefined) parts.push(`client=${fieldValue(r.client)}`);
  if (r.clientId !== undefined && !r.client?.endsWith(`#${r.clientId}`))
    parts.push(`id=${fieldValue(r.clientId)}`);
  if (r.server !== undefined) parts.push(`server=${fieldValue(r.server)}`);
  if (r.tool !== undefined) parts.push(`tool=${fieldValue(r.tool)}`);
  if (r.secretName !== undefined) parts.push(`secret=${fieldValue(r.secretName)}`);
  if (r.durationMs !== undefined) parts.push(`${r.durationMs}ms`);
  if (r.errorCode !== undefined) parts.push(`error=${fieldValue(r.errorCode)}`);
  if (r.count !== undefined) parts.push(`count=${String(r.count)}`);
  if (r.message !== undefined) parts.push(`  ${messageText(r.message)}`);
  return parts.join(' ').trimEnd();
}

/** Where following the active file stands. */
interface FollowState {
  /** Inode of the active file last read; a new one means it was rotated. */
  ino: number | undefined;
  /** Byte offset just past the last complete line read from the active file. */
  offset: number;
  /** Highest seq handed out; records at or below it are never emitted again. */
  lastSeq: number;
}

/** New bytes of the active file since `state`, or `undefined` when there is no active file. */
function readActive(
  path: string,
  state: FollowState,
): { ino: number; from: number; chunk: Buffer } | undefined {
  let fd: number;
  try {
    fd = openSync(path, READ_NOFOLLOW);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined; // mid-rotation
    throw error;
  }
  try {
    const { ino, size } = fstatSync(fd);
    const from = ino === state.ino && size >= state.offset ? state.offset : 0;
    const chunk = Buffer.alloc(size - from);
    const read = readSync(fd, chunk, 0, chunk.length, from);
    return { ino, from, chunk: chunk.subarray(0, read) };
  } finally {
    closeSync(fd);
  }
}

/** Records newer than `state.lastSeq` that were rotated away before we read them, oldest first. */
function rotatedSince(dir: string, state: FollowState): AuditRecord[] {
  const pending: AuditRecord[][] = [];
  for (const { name } of listRotatedFiles(dir).reverse()) {
    const records = readRecords(join(dir, name));
    const newer = records.filter((r) => r.seq > state.lastSeq);
    pending.unshift(newer);
    if (newer.length < records.length) break;
  }
  return pending.flat();
}

function pollOnce(dir: string, state: FollowState, emit: (r: AuditRecord) => void): void {
  const active = readActive(join(dir, AUDIT_ACTIVE_FILE), state);
  if (active === undefined || active.ino !== state.ino || active.from !== state.offset) {
    // Rotated (or truncated on recovery): lines we had not read yet now sit in a rotated file.
    for (const record of rotatedSince(dir, state)) emit(record);
  }
  if (active === undefined) {
    state.ino = undefined;
    state.offset = 0;
    return;
  }
  const end = active.chunk.lastIndexOf(0x0a) + 1; // leave a half-written line for the next poll
  for (const line of splitLines(active.chunk.subarray(0, end)).lines) {
    const parsed = parseAuditLine(line.toString('utf8'));
    if (parsed.ok) emit(parsed.record);
  }
  state.ino = active.ino;
  state.offset = active.from + end;
}

/** Options of {@link followAudit}. */
export interface FollowAuditOptions {
  /**
   * Emit records with a seq above this one. Pass the seq of the last record already shown (e.g. by
   * `readAuditTail`) so nothing written in between is missed; defaults to the log's current end.
   */
  afterSeq?: number;
}

/**
 * Calls `onRecord` for every record appended to the log in `dir` from now on, in order, including
 * across rotations, until `signal` aborts. Polls every 200 ms (portable, unlike `fs.watch`); the
 * timer keeps the process alive while following. `onRecord` must not throw.
 */
export function followAudit(
  dir: string,
  onRecord: (r: AuditRecord) => void,
  signal: AbortSignal,
  options: FollowAuditOptions = {},
): void {
  if (signal.aborted) return;
  const lastSeq = options.afterSeq ?? readAuditTail(dir, 1)[0]?.seq ?? 0;
  const state: FollowState = { ino: undefined, offset: 0, lastSeq };
  const emit = (record: AuditRecord): void => {
    if (record.seq <= state.lastSeq) return;
    state.lastSeq = record.seq;
    onRecord(record);
  };
  pollOnce(dir, state, emit); // positions at the end of the active file
  const timer = setInterval(() => {
    pollOnce(dir, state, emit);
  }, FOLLOW_POLL_MS);
  signal.addEventListener(
    'abort',
    () => {
      clearInterval(timer);
    },
    { once: true },
  );
}
