import { type AuditKeying, recordMac } from './audit-anchor.js';
import { computeRecordHash, parseAuditLine, serializeRecord, sha256Hex, ZERO_HASH } from './audit-chain.js';
import type { AuditRecord } from './audit-event.js';
import type { AuditHead, SnapshotFile } from './audit-files.js';
import {
  AUDIT_ACTIVE_FILE,
  AUDIT_HEAD_FILE,
  readAuditHead,
  readAuditSnapshot,
  rotatedFileName,
  splitLines,
} from './audit-files.js';

/**
 * Result of {@link verifyAuditChain}. `files` are the log's file names in chain order. On failure,
 * `file` and `line` (1-based within that file) point at the first place the chain breaks, `seq` is
 * that record's seq when known, and `reason` says in words what is wrong.
 */
export type AuditVerifyResult =
  | { ok: true; records: number; files: string[] }
  | {
      ok: false;
      records: number;
      files: string[];
      file: string;
      line: number;
      seq?: number;
      reason: string;
    };

/** Where the chain breaks, before `records` and `files` are added. */
interface Failure {
  file: string;
  line: number;
  seq?: number;
  reason: string;
}

/** How far the walk has got. */
interface WalkState {
  records: number;
  seq: number;
  /** SHA-256 of the last good line's bytes: the `prev` the next line must carry. */
  lineHash: string;
  /** How to name the last good line in a reason ("line 4", "the last line of audit-000001.jsonl"). */
  lastLabel: string;
  /** Lines in the last file read, to place a "lines removed from the end" failure. */
  lastFileLines: number;
  /** The chain key and anchor from the keychain; undefined for a legacy (unkeyed) log. */
  keying: AuditKeying | undefined;
  /** SHA-256 of the line the keychain anchor names, once walked past. */
  anchoredLineHash?: string;
  /** The first `audit.tampered` record seen. */
  tampered?: { seq: number; message: string };
}

/**
 * Checks the whole audit log in `dir`: every line is a record whose `hash` matches its content,
 * whose `prev` is the hash of the line before (across rotated files), and whose `seq` is one more
 * than the one before; no rotated file is missing, the first line starts the chain, the last line is
 * complete, and the head file (if any) points at a record that is still there, unchanged.
 * A live log is fine: the head is read first and the files as one consistent snapshot
 * ({@link readAuditSnapshot}), so a broker appending and rotating meanwhile cannot look like damage.
 */
export function verifyAuditChain(dir: string, keying?: AuditKeying): AuditVerifyResult {
  const head = readAuditHead(dir);
  const snapshot = readAuditSnapshot(dir);
  const state: WalkState = {
    records: 0,
    seq: 0,
    lineHash: ZERO_HASH,
    lastLabel: '',
    lastFileLines: 0,
    keying,
  };
  if (snapshot === undefined) {
    const reason = 'the log rotated on every attempt to read it; verify again when the broker is less busy';
    return { ok: false, records: 0, files: [], file: AUDIT_ACTIVE_FILE, line: 1, reason };
  }
  const files = snapshot.map((f) => f.name);
  const failure = findBreak(snapshot, head, state);
  if (failure === undefined) return { ok: true, records: state.records, files };
  const { seq, ...rest } = failure;
  return { ok: false, records: state.records, files, ...rest, ...(seq === undefined ? {} : { seq }) };
}

function findBreak(
  files: SnapshotFile[],
  head: AuditHead | 'invalid' | undefined,
  state: WalkState,
): Failure | undefined {
  const missing = findMissingRotatedFile(files);
  if (missing !== undefined) {
    return {
      file: missing,
      line: 1,
      reason: `${missing} is missing (rotated files are never deleted, so its records were removed)`,
    };
  }
  if (head === 'invalid') {
    return { file: AUDIT_HEAD_FILE, line: 1, reason: `${AUDIT_HEAD_FILE} is not a valid head file` };
  }
  for (const file of files) {
    const failure = verifyFile(file, state, head);
    if (failure !== undefined) return failure;
  }
  const anchored = anchorFailure(files, state);
  if (anchored !== undefined) return anchored;
  if (head !== undefined && head.seq > state.seq) {
    return {
      file: files.at(-1)?.name ?? AUDIT_ACTIVE_FILE,
      line: state.lastFileLines + 1,
      seq: state.seq + 1,
      reason:
        `lines were removed from the end (${AUDIT_HEAD_FILE} says seq ${head.seq} was written, ` +
        `but the log ends at seq ${state.seq})`,
    };
  }
  return undefined;
}

/** The first rotated file missing from the sequence 1, 2, 3, … (by name), if any. */
function findMissingRotatedFile(files: SnapshotFile[]): string | undefined {
  let expected = 1;
  for (const { name } of files) {
    if (name === AUDIT_ACTIVE_FILE) continue;
    if (name !== rotatedFileName(expected)) return rotatedFileName(expected);
    expected += 1;
  }
  return undefined;
}

function verifyFile(
  { name: file, data }: SnapshotFile,
  state: WalkState,
  head: AuditHead | undefined,
): Failure | undefined {
  const { lines, torn } = splitLines(data);
  for (const [index, bytes] of lines.entries()) {
    const failure = verifyLine(bytes, { file, line: index + 1 }, state, head);
    if (failure !== undefined) return failure;
  }
  if (torn !== undefined) {
    const line = lines.length + 1;
    return {
      file,
      line,
      reason: `line ${line} is incomplete (no newline at its end: the broker stopped mid-write; opening the log drops it)`,
    };
  }
  state.lastFileLines = lines.length;
  if (lines.length > 0) state.lastLabel = `the last line of ${file}`;
  return undefined;
}

/** Checks one line against the chain so far and, when it is good, moves the chain on. */
function verifyLine(
  bytes: Buffer,
  at: { file: string; line: number },
  state: WalkState,
  head: AuditHead | undefined,
): Failure | undefined {
  const fail = (reason: string, seq?: number): Failure => ({
    ...at,
    reason,
    ...(seq === undefined ? {} : { seq }),
  });
  const n = at.line;
  const text = bytes.toString('utf8');
  const parsed = parseAuditLine(text);
  if (!parsed.ok) return fail(`line ${n} ${parsed.reason}`);
  const record = parsed.record;
  if (computeRecordHash(record) !== record.hash) {
    return fail(`line ${n} was edited (its hash does not match its content)`, record.seq);
  }
  if (serializeRecord(record) !== text || !Buffer.from(text, 'utf8').equals(bytes)) {
    return fail(`line ${n} was edited (its bytes are not what the log writes for its content)`, record.seq);
  }
  if (record.prev !== state.lineHash) {
    return state.seq === 0
      ? fail(
          `line ${n} does not start the log (its prev is not zeros: earlier records are missing)`,
          record.seq,
        )
      : fail(
          `line ${n} does not follow ${state.lastLabel} (a line was removed or lines were reordered)`,
          record.seq,
        );
  }
  if (record.seq !== state.seq + 1) {
    return fail(`line ${n} has seq ${record.seq} where ${state.seq + 1} was expected`, record.seq);
  }
  const lineHash = sha256Hex(bytes);
  if (head !== undefined && head.seq === record.seq && head.hash !== lineHash) {
    return fail(
      `line ${n} is not the line ${AUDIT_HEAD_FILE} recorded for seq ${head.seq} (it was replaced)`,
      record.seq,
    );
  }
  const keyed = keyFailure(record, state);
  if (keyed !== undefined) return fail(`line ${n} ${keyed}`, record.seq);
  if (record.type === 'audit.tampered' && state.tampered === undefined)
    state.tampered = { seq: record.seq, message: record.message ?? '' };
  if (state.keying?.anchor?.seq === record.seq) state.anchoredLineHash = lineHash;
  state.records += 1;
  state.seq = record.seq;
  state.lineHash = lineHash;
  state.lastLabel = `line ${n}`;
  return undefined;
}

/** Why a record's keying is wrong (forged, or unkeyed where the chain is keyed), if it is. */
function keyFailure(record: AuditRecord, state: WalkState): string | undefined {
  const keying = state.keying;
  if (keying === undefined) return undefined;
  if (record.mac === undefined) {
    const keyedFrom = keying.anchor?.keyedFrom;
    return keyedFrom !== undefined && record.seq >= keyedFrom
      ? `has no mac, but the chain is keyed from seq ${String(keyedFrom)} on (it was rewritten without the key)`
      : undefined;
  }
  return recordMac(keying.key, record.hash) === record.mac
    ? undefined
    : 'has a mac that the keychain key did not make (the line was forged)';
}

/** The log measured against the keychain anchor, and any tampering a start recorded. */
function anchorFailure(files: SnapshotFile[], state: WalkState): Failure | undefined {
  const at = { file: files.at(-1)?.name ?? AUDIT_ACTIVE_FILE, line: state.lastFileLines + 1 };
  const anchor = state.keying?.anchor;
  if (anchor !== undefined && anchor.seq > state.seq) {
    return {
      ...at,
      seq: state.seq + 1,
      reason:
        `records were removed: the keychain anchor says seq ${String(anchor.seq)} was written, ` +
        `but the log ends at seq ${String(state.seq)}${files.length === 0 ? ' (no log files are left)' : ''}`,
    };
  }
  if (anchor !== undefined && anchor.seq > 0 && state.anchoredLineHash !== anchor.hash) {
    return {
      ...at,
      seq: anchor.seq,
      reason: `the record at seq ${String(anchor.seq)} is not the one the keychain anchor recorded (the log was rewritten)`,
    };
  }
  if (state.tampered !== undefined) {
    return {
      ...at,
      seq: state.tampered.seq,
      reason: `a start found the log tampered with (audit.tampered at seq ${String(state.tampered.seq)}): ${state.tampered.message}`,
    };
  }
  return undefined;
}
