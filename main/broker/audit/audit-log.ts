import {
  closeSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  renameSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

import type { AuditHealth } from '../../contract/audit.js';
import { writeFileAtomic, writeFileAtomicAsync } from '../base/atomic-file.js';
import type { Clock } from '../base/clock.js';
import { BrokerError } from '../base/errors.js';
import { APPEND_NOFOLLOW, assertNotSymlink, ensureStateDir, readFileNoFollow } from '../base/private-path.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import type { SecretStore } from '../secrets/secret-store.js';
import {
  AnchorWriter,
  type AuditAnchor,
  type AuditKeying,
  auditSecretNames,
  recordMac,
} from './audit-anchor.js';
import type { AuditRecordBody } from './audit-chain.js';
import { chainLine, parseAuditLine, sha256Hex, ZERO_HASH } from './audit-chain.js';
import type { AuditEventInput, AuditEventType, AuditSink } from './audit-event.js';
import type { AuditHead } from './audit-files.js';
import {
  AUDIT_ACTIVE_FILE,
  AUDIT_HEAD_FILE,
  listRotatedFiles,
  readAuditHead,
  rotatedFileName,
  splitLines,
} from './audit-files.js';
import { AuditGap } from './audit-gap.js';
import { escapeInvisible } from './audit-text.js';

/** Options of {@link AuditLog.open}. */
export interface AuditLogOptions {
  /** Folder of the log; created 0700 if missing. */
  dir: string;
  /** The active file is rotated before a line would make it larger than this. */
  maxFileBytes: number;
  clock: Clock;
  /** Scrubs known secret values out of the text fields before they are written. */
  redactor?: SecretRedactor;
  /** Keys and anchors the chain in the secret store (`openAuditKeying`); without it, legacy. */
  keying?: AuditKeying & { store: SecretStore };
  /**
   * Write per-call records (`tool.call`) once the current turn of the event loop ends, batched,
   * instead of inside record(), so the serving broker's response goes out first. Off by default:
   * then every record is on disk when record() returns.
   */
  callRecordsAfterTurn?: boolean;
}

/** Longest text field (in UTF-16 code units) that is stored; longer text is cut with "…". */
const MAX_TEXT_LENGTH = 500;
/** Longest client id stored (a client id metadata document URL can be long; it is never cut at 500). */
const MAX_ID_LENGTH = 2048;
/** The head file is rewritten at most this often while events flow, and on close(). */
const HEAD_DEBOUNCE_MS = 250;

/**
 * Per-call records, written once the current turn of the event loop ends (batched into one write)
 * rather than inside record() when `callRecordsAfterTurn` is set: the response to the call goes out
 * first (issue 11 point 3). Every other record is on disk when record() returns, and writes the
 * waiting ones before itself.
 */
const AFTER_TURN_TYPES: ReadonlySet<AuditEventType> = new Set<AuditEventType>(['tool.call']);

/** Where the chain stands: the last record's seq and the SHA-256 of its line. */
interface ChainTip {
  seq: number;
  lineHash: string;
}

/**
 * The append-only, hash-chained JSONL audit log (layout in `audit-files.ts`, hashing in
 * `audit-chain.ts`). Each `record()` is one synchronous `writeSync` of one line on a persistent fd
 * (with `callRecordsAfterTurn`, `tool.call` records: one write of the turn's lines once it ends),
 * so a crash loses at most the lines being written, and `open()` cuts a torn line off and records
 * an `audit.recovered` event. Check a log with `verifyAuditChain`.
 */
export class AuditLog implements AuditSink {
  readonly dir: string;
  private readonly maxFileBytes: number;
  private readonly clock: Clock;
  private readonly redactor: SecretRedactor | undefined;
  private fd: number | undefined;
  private size: number;
  private seq: number;
  private lastLineHash: string;
  private nextRotation: number;
  private headSeq = -1;
  private headTimer: NodeJS.Timeout | undefined;
  private headFlushing = false;
  private closed = false;
  private readonly gap = new AuditGap();
  private readonly key: Buffer | undefined;
  private readonly keyedFrom: number;
  private readonly anchors: AnchorWriter | undefined;
  /** AFTER_TURN_TYPES records waiting for the end of this turn, with the time they happened. */
  private waiting: { event: AuditEventInput; time: string }[] = [];
  private waitingScheduled = false;
  private readonly afterTurn: boolean;

  private constructor(options: AuditLogOptions, fd: number, tip: ChainTip, nextRotation: number) {
    this.dir = options.dir;
    this.maxFileBytes = options.maxFileBytes;
    this.clock = options.clock;
    this.redactor = options.redactor;
    this.fd = fd;
    this.afterTurn = options.callRecordsAfterTurn === true;
    this.size = fstatSync(fd).size;
    this.seq = tip.seq;
    this.lastLineHash = tip.lineHash;
    this.nextRotation = nextRotation;
    this.key = options.keying?.key;
    this.keyedFrom = options.keying?.anchor?.keyedFrom ?? tip.seq + 1;
    const store = options.keying?.store;
    this.anchors =
      store &&
      new AnchorWriter(store, auditSecretNames(options.dir).anchor, (error) => this.gap.anchorFailed(error));
  }

  /**
   * Opens (or creates) the log in `options.dir` and continues its chain from the last line on disk.
   * A torn last line is truncated and an `audit.recovered` event records how many bytes were dropped;
   * a head file pointing past the end of the log is recorded the same way.
   * @throws BrokerError `AUDIT_CHAIN_BROKEN` when the last complete line is not an audit record.
   */
  static open(options: AuditLogOptions): AuditLog {
    ensureStateDir(options.dir, 'the audit folder');
    const activePath = join(options.dir, AUDIT_ACTIVE_FILE);
    assertNotSymlink(activePath, 'the audit log');
    const dropped = dropTornTail(activePath);
    const tip = findChainTip(options.dir);
    const headProblem = describeHeadMismatch(readAuditHead(options.dir), tip);
    const anchor = options.keying?.anchor;
    const behind = anchor && describeAnchorMismatch(options.dir, anchor, tip, dropped);
    const nextRotation = (listRotatedFiles(options.dir).at(-1)?.number ?? 0) + 1;
    const log = new AuditLog(options, openSync(activePath, APPEND_NOFOLLOW, 0o600), tip, nextRotation);
    if (dropped > 0) {
      log.record({
        type: 'audit.recovered',
        outcome: 'ok',
        message: `Dropped ${dropped} bytes of an incomplete last line of ${AUDIT_ACTIVE_FILE} (the broker stopped mid-write).`,
      });
    }
    if (behind !== undefined) log.record({ ...behind, outcome: 'error' });
    else if (headProblem !== undefined)
      log.record({ type: 'audit.recovered', outcome: 'error', message: headProblem });
    return log;
  }

  /**
   * Appends one event as one line: `{seq, time, ...event, prev, hash}`. Text fields go through the
   * redactor and are cut to 500 characters; fields not in AuditEventInput are never written.
   * Never throws: a line that cannot be written (full or read-only disk) is counted, `health()`
   * says so, and the first line written again is preceded by an `audit.gap` record.
   */
  record(event: AuditEventInput): void {
    const time = new Date(this.clock.now()).toISOString();
    if (this.afterTurn && AFTER_TURN_TYPES.has(event.type) && !this.closed) {
      this.waiting.push({ event, time });
      if (!this.waitingScheduled) {
        this.waitingScheduled = true;
        setImmediate(() => this.writeWaiting());
      }
      return;
    }
    this.writeWaiting();
    this.writeOne(event, time);
  }

  /** Writes the records waiting for the end of the turn, in one write when they fit the file. */
  private writeWaiting(): void {
    this.waitingScheduled = false;
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    if (batch.length === 1 || this.gap.gapEvent() !== undefined || !this.appendBatch(batch)) {
      for (const { event, time } of batch) this.writeOne(event, time);
    }
  }

  /**
   * Chains and appends `batch` with one write. False (nothing written) when it would cross a
   * rotation; the caller then writes line by line. Records of a failed write are counted as lost.
   */
  private appendBatch(batch: { event: AuditEventInput; time: string }[]): boolean {
    try {
      this.requireOpen();
      let seq = this.seq;
      let lineHash = this.lastLineHash;
      const lines = batch.map(({ event, time }) => {
        seq += 1;
        const bytes = this.lineBytes({ seq, time, ...this.eventFields(event), prev: lineHash });
        lineHash = sha256Hex(bytes.subarray(0, bytes.length - 1));
        return bytes;
      });
      const bytes = Buffer.concat(lines);
      if (this.size + bytes.length > this.maxFileBytes) return false;
      this.append(bytes);
      this.committed(seq, lineHash);
    } catch (error) {
      for (const { time } of batch) this.gap.lost(error, time);
    }
    return true;
  }

  /** One record, preceded by the `audit.gap` record when earlier ones were lost. */
  private writeOne(event: AuditEventInput, time: string): void {
    try {
      const gap = this.gap.gapEvent();
      if (gap !== undefined) {
        this.write(gap, time);
        this.gap.closed();
      }
      this.write(event, time);
    } catch (error) {
      this.gap.lost(error, time);
    }
  }

  /** Whether the last write succeeded; when not, since when and how many records were lost. */
  health(): AuditHealth {
    this.writeWaiting();
    return this.gap.health();
  }

  private write(event: AuditEventInput, time: string): void {
    this.requireOpen();
    const seq = this.seq + 1;
    const bytes = this.lineBytes({ seq, time, ...this.eventFields(event), prev: this.lastLineHash });
    if (this.size > 0 && this.size + bytes.length > this.maxFileBytes) this.rotate();
    this.append(bytes);
    this.committed(seq, sha256Hex(bytes.subarray(0, bytes.length - 1)));
  }

  /** The line of a record (hash and mac added), newline-terminated. */
  private lineBytes(body: AuditRecordBody): Buffer {
    const key = this.key;
    const { line } = chainLine(body, key && ((hash) => recordMac(key, hash)));
    return Buffer.from(`${line}\n`, 'utf8');
  }

  /** Lines up to `seq` are appended: move the chain tip, the anchor and the head on. */
  private committed(seq: number, lineHash: string): void {
    this.seq = seq;
    this.lastLineHash = lineHash;
    this.anchors?.update({ seq, hash: lineHash, keyedFrom: this.keyedFrom });
    this.scheduleHead();
  }

  /** Resolves once the keychain anchor holds the last record written (call before close()). */
  async flushAnchor(): Promise<void> {
    this.writeWaiting();
    await this.anchors?.flush();
  }

  /** Writes the head file and closes the file. Idempotent. */
  close(): void {
    this.writeWaiting();
    if (this.fd === undefined) return;
    clearTimeout(this.headTimer);
    this.headTimer = undefined;
    this.closed = true;
    try {
      this.flushHead();
    } catch {
      // A full disk: the lines are on disk; only the tail check is behind (see record()).
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private requireOpen(): number {
    // A rotation whose reopen failed (full disk) left no fd: open the active file again.
    if (this.fd === undefined && !this.closed) {
      this.fd = openSync(join(this.dir, AUDIT_ACTIVE_FILE), APPEND_NOFOLLOW, 0o600);
      this.size = fstatSync(this.fd).size;
    }
    if (this.fd === undefined) {
      throw new BrokerError(
        'AUDIT_CHAIN_BROKEN',
        'The audit log is closed, so this event cannot be appended to the chain; record events before close().',
      );
    }
    return this.fd;
  }

  /** Only the fields of AuditEventInput, undefined and non-finite values dropped, text scrubbed. */
  private eventFields(event: AuditEventInput): AuditEventInput {
    const out: AuditEventInput = { type: event.type };
    if (event.outcome !== undefined) out.outcome = event.outcome;
    if (event.client !== undefined) out.client = this.text(event.client);
    if (event.clientId !== undefined)
      out.clientId = truncateText(escapeInvisible(event.clientId), MAX_ID_LENGTH);
    if (event.server !== undefined) out.server = this.text(event.server);
    if (event.tool !== undefined) out.tool = this.text(event.tool);
    if (event.durationMs !== undefined && Number.isFinite(event.durationMs))
      out.durationMs = event.durationMs;
    if (typeof event.errorCode === 'string') out.errorCode = this.text(event.errorCode);
    if (typeof event.errorCode === 'number' && Number.isFinite(event.errorCode))
      out.errorCode = event.errorCode;
    if (event.message !== undefined) out.message = this.text(event.message);
    if (event.secretName !== undefined) out.secretName = this.text(event.secretName);
    if (event.count !== undefined && Number.isSafeInteger(event.count) && event.count > 0)
      out.count = event.count;
    return out;
  }

  /**
   * Redact first, then escape invisible characters, then truncate: cutting first could leave half a
   * secret the redactor misses.
   */
  private text(value: string): string {
    return truncateText(escapeInvisible(this.redactor ? this.redactor.redact(value) : value));
  }

  private append(bytes: Buffer): void {
    const fd = this.requireOpen();
    let written = 0;
    try {
      // One writeSync per line; the loop only goes round again after a short write.
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    } catch (error) {
      // Cut a partial line off so the file still ends on a line boundary and the chain can go on.
      if (written > 0) ftruncateSync(fd, this.size); // (shrinking needs no space)
      throw error;
    }
    this.size += bytes.length;
  }

  private rotate(): void {
    const fd = this.requireOpen();
    fdatasyncSync(fd);
    closeSync(fd);
    this.fd = undefined;
    const activePath = join(this.dir, AUDIT_ACTIVE_FILE);
    try {
      renameSync(activePath, join(this.dir, rotatedFileName(this.nextRotation)));
      this.nextRotation += 1;
    } finally {
      // On a failed rename keep appending to the old active file; the next record retries.
      this.fd = openSync(activePath, APPEND_NOFOLLOW, 0o600);
      this.size = fstatSync(this.fd).size;
    }
  }

  private scheduleHead(): void {
    if (this.headTimer !== undefined) return;
    this.headTimer = setTimeout(() => {
      this.headTimer = undefined;
      void this.flushHeadInBackground();
    }, HEAD_DEBOUNCE_MS);
    this.headTimer.unref();
  }

  /**
   * The debounced head update, off the event loop (issue 11 point 3): the data sync and the head's
   * atomic write run on libuv's thread pool, in that order, so a crash still never leaves a head
   * past the lines on disk. A rotation meanwhile already synced the lines it closed. Skipped after
   * close() (which writes the head itself) and when a newer head was written meanwhile.
   */
  private async flushHeadInBackground(): Promise<void> {
    const fd = this.fd;
    if (this.headFlushing || fd === undefined || this.seq === 0 || this.seq === this.headSeq) return;
    this.headFlushing = true;
    const head: AuditHead = { seq: this.seq, hash: this.lastLineHash };
    try {
      await fdatasyncAsync(fd);
      if (this.closed || head.seq <= this.headSeq) return;
      await writeFileAtomicAsync(join(this.dir, AUDIT_HEAD_FILE), `${JSON.stringify(head)}\n`);
      if (head.seq > this.headSeq) this.headSeq = head.seq;
    } catch {
      // The head is a tail-truncation check, not the log itself: the next flush or close() retries.
    } finally {
      this.headFlushing = false;
      // Records that came while this flush ran get their own head update.
      if (!this.closed && this.seq !== this.headSeq) this.scheduleHead();
    }
  }

  private flushHead(): void {
    if (this.fd === undefined || this.seq === 0 || this.seq === this.headSeq) return;
    // The lines reach the disk before the head does, so a crash never leaves a head past the end.
    fdatasyncSync(this.fd);
    const head: AuditHead = { seq: this.seq, hash: this.lastLineHash };
    writeFileAtomic(join(this.dir, AUDIT_HEAD_FILE), `${JSON.stringify(head)}\n`);
    this.headSeq = head.seq;
  }
}

/** Cuts text to `max`, ending in "…" and never splitting a surrogate pair. */
function truncateText(text: string, max = MAX_TEXT_LENGTH): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** Truncates the bytes after the last newline of `path` (a torn write); returns how many were dropped. */
function dropTornTail(path: string): number {
  if (!existsSync(path)) return 0;
  const data = readFileNoFollow(path);
  const { torn } = splitLines(data);
  if (torn === undefined) return 0;
  truncateSync(path, data.length - torn.length);
  return torn.length;
}

/** The last line of the active file, or of the newest rotated file when the active one is empty. */
function findChainTip(dir: string): ChainTip {
  const newestFirst = [
    AUDIT_ACTIVE_FILE,
    ...listRotatedFiles(dir)
      .map((f) => f.name)
      .reverse(),
  ];
  for (const name of newestFirst) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const last = splitLines(readFileNoFollow(path, 'the audit file')).lines.at(-1);
    if (last === undefined) continue;
    const parsed = parseAuditLine(last.toString('utf8'));
    if (!parsed.ok) {
      throw new BrokerError(
        'AUDIT_CHAIN_BROKEN',
        `The last line of ${path} ${parsed.reason}, so the audit chain cannot be continued. ` +
          'Run "audit verify" to see what changed, then move the audit folder aside to start a new log.',
      );
    }
    return { seq: parsed.record.seq, lineHash: sha256Hex(last) };
  }
  return { seq: 0, lineHash: ZERO_HASH };
}

/** Text for an `audit.recovered` event when the head file says the log used to go further. */
function describeHeadMismatch(head: AuditHead | 'invalid' | undefined, tip: ChainTip): string | undefined {
  if (head === undefined) return undefined;
  if (head === 'invalid') return `${AUDIT_HEAD_FILE} was not a valid head file; it has been rewritten.`;
  if (head.seq > tip.seq) {
    return (
      `The log ends at seq ${tip.seq} but ${AUDIT_HEAD_FILE} says seq ${head.seq} was written: ` +
      `${head.seq - tip.seq} record(s) were removed from the end.`
    );
  }
  if (head.seq === tip.seq && head.hash !== tip.lineHash) {
    return `The last line (seq ${tip.seq}) does not match ${AUDIT_HEAD_FILE}: the end of the log was rewritten.`;
  }
  return undefined;
}

/** SHA-256 of the line with `seq`, searching the newest files first; undefined when absent. */
function lineHashAt(dir: string, seq: number): string | undefined {
  for (const name of [
    AUDIT_ACTIVE_FILE,
    ...listRotatedFiles(dir)
      .map((f) => f.name)
      .reverse(),
  ]) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const lines = splitLines(readFileNoFollow(path, 'the audit file')).lines;
    for (const line of lines) {
      const parsed = parseAuditLine(line.toString('utf8'));
      if (parsed.ok && parsed.record.seq === seq) return sha256Hex(line);
    }
    const first = lines[0] && parseAuditLine(lines[0].toString('utf8'));
    if (first?.ok === true && first.record.seq < seq) return undefined;
  }
  return undefined;
}

/**
 * The event to record when the log on disk is behind or beside the keychain's anchor: `audit.tampered`
 * (records removed or rewritten), or `audit.recovered` when only the torn last write is missing.
 */
function describeAnchorMismatch(
  dir: string,
  anchor: AuditAnchor,
  tip: ChainTip,
  dropped: number,
): Pick<AuditEventInput, 'type' | 'message'> | undefined {
  if (anchor.seq > tip.seq) {
    if (dropped > 0 && anchor.seq === tip.seq + 1) {
      const message = `The last record (seq ${String(anchor.seq)}) was torn by a stop mid-write and is lost.`;
      return { type: 'audit.recovered', message };
    }
    const message =
      `The log ends at seq ${String(tip.seq)} but the keychain anchor says seq ${String(anchor.seq)} ` +
      `was written: ${String(anchor.seq - tip.seq)} record(s) or file(s) were removed.`;
    return { type: 'audit.tampered', message };
  }
  if (anchor.seq > 0 && lineHashAt(dir, anchor.seq) !== anchor.hash) {
    const message = `The record at seq ${String(anchor.seq)} is not the one the keychain anchor recorded: the log was rewritten.`;
    return { type: 'audit.tampered', message };
  }
  return undefined;
}

/** fdatasync on the thread pool. */
function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fdatasync(fd, (error) => (error ? reject(error) : resolve()));
  });
}
