import { appendFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { makeTempDir } from '../../test-support/temp-dir.js';
import type { Clock } from '../base/clock.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import { computeRecordHash, sha256Hex, ZERO_HASH } from './audit-chain.js';
import type { AuditEventInput, AuditRecord } from './audit-event.js';
import { AUDIT_ACTIVE_FILE, AUDIT_HEAD_FILE, listAuditFiles, rotatedFileName } from './audit-files.js';
import { AuditLog } from './audit-log.js';
import { verifyAuditChain } from './audit-verify.js';

const START = Date.parse('2025-03-01T12:00:00.000Z');

/** A clock that moves one second per reading. */
function steppingClock(): Clock {
  let ticks = 0;
  return { now: () => START + 1000 * ticks++ };
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(0, -1);
}

function records(path: string): AuditRecord[] {
  return lines(path).map((line) => JSON.parse(line) as AuditRecord);
}

function toolCall(i: number): AuditEventInput {
  return {
    type: 'tool.call',
    outcome: 'ok',
    client: 'shim:1',
    server: 'github',
    tool: `t${i}`,
    durationMs: i,
  };
}

let temp: ReturnType<typeof makeTempDir>;
let dir: string;
beforeEach(() => {
  temp = makeTempDir();
  dir = join(temp.path, 'audit');
});
afterEach(() => {
  vi.useRealTimers();
  temp.remove();
});

describe('AuditLog', () => {
  it('chains every line to the bytes of the one before', () => {
    const log = AuditLog.open({ dir, maxFileBytes: 1_000_000, clock: steppingClock() });
    for (let i = 0; i < 50; i++) log.record(toolCall(i));
    log.close();

    const raw = lines(join(dir, AUDIT_ACTIVE_FILE));
    expect(raw).toHaveLength(50);
    const recs = raw.map((line) => JSON.parse(line) as AuditRecord);
    expect(recs.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(recs[0]!.prev).toBe(ZERO_HASH);
    for (let i = 1; i < recs.length; i++) expect(recs[i]!.prev).toBe(sha256Hex(raw[i - 1]!));
    for (const r of recs) {
      const { hash, ...body } = r;
      expect(hash).toBe(computeRecordHash(body));
    }
    expect(recs[0]!.time).toBe('2025-03-01T12:00:00.000Z');
    expect(recs[1]!.time).toBe('2025-03-01T12:00:01.000Z');
    expect(Object.keys(recs[3]!)).toEqual([
      'seq',
      'time',
      'type',
      'outcome',
      'client',
      'server',
      'tool',
      'durationMs',
      'prev',
      'hash',
    ]);
    expect(verifyAuditChain(dir)).toEqual({ ok: true, records: 50, files: [AUDIT_ACTIVE_FILE] });
  });

  it('writes only AuditEventInput fields, drops undefined ones and cuts long messages', () => {
    const log = AuditLog.open({ dir, maxFileBytes: 1_000_000, clock: steppingClock() });
    // What plain JS (or a spread of a wider object) can hand over at runtime.
    const sneaky = { type: 'client.connect', client: 'c1', server: undefined, arguments: { token: 'x' } };
    log.record(sneaky as unknown as AuditEventInput);
    log.record({ type: 'server.crash', message: 'y'.repeat(2000), durationMs: Number.NaN });
    log.close();

    const [first, second] = records(join(dir, AUDIT_ACTIVE_FILE));
    expect(Object.keys(first!)).toEqual(['seq', 'time', 'type', 'client', 'prev', 'hash']);
    expect(second!.message).toHaveLength(500);
    expect(second!.message!.endsWith('…')).toBe(true);
    expect(second).not.toHaveProperty('durationMs');
    expect(verifyAuditChain(dir).ok).toBe(true);
  });

  it('scrubs a registered secret value out of the message before it reaches the disk', () => {
    const canary = 'canary-secret-9f8e7d6c';
    const redactor = new SecretRedactor();
    redactor.add(canary);
    const log = AuditLog.open({ dir, maxFileBytes: 1_000_000, clock: steppingClock(), redactor });
    log.record({ type: 'server.crash', server: 'github', message: `upstream said: bad token ${canary}` });
    log.close();

    const text = readFileSync(join(dir, AUDIT_ACTIVE_FILE), 'utf8');
    expect(text).not.toContain(canary);
    expect(records(join(dir, AUDIT_ACTIVE_FILE))[0]!.message).toBe('upstream said: bad token [REDACTED]');
  });

  it('continues seq and prev when reopened', () => {
    const first = AuditLog.open({ dir, maxFileBytes: 1_000_000, clock: steppingClock() });
    for (let i = 0; i < 3; i++) first.record(toolCall(i));
    first.close();
    const second = AuditLog.open({ dir, maxFileBytes: 1_000_000, clock: steppingClock() });
    second.record({ type: 'broker.start' });
    second.close();

    const raw = lines(join(dir, AUDIT_ACTIVE_FILE));
    const last = JSON.parse(raw[3]!) as AuditRecord;
    expect(last.seq).toBe(4);
    expect(last.prev).toBe(sha256Hex(raw[2]!));
    expect(verifyAuditChain(dir)).toMatchObject({ ok: true, records: 4 });
  });

  it('drops a torn last line on open, records how many bytes it dropped, and keeps the chain valid', () => {
    const log = AuditLog.open({ dir, maxFileBytes: 1_000_000, clock: steppingClock() });
    for (let i = 0; i < 3; i++) log.record(toolCall(i));
    log.close();
    const torn = '{"seq":4,"time":"2025-03-01T12:0';
    appendFileSync(join(dir, AUDIT_ACTIVE_FILE), torn);
    expect(verifyAuditChain(dir)).toMatchObject({ ok: false, line: 4 });

    const reopened = AuditLog.open({ dir, maxFileBytes: 1_000_000, clock: steppingClock() });
    reopened.close();

    const recs = records(join(dir, AUDIT_ACTIVE_FILE));
    expect(recs).toHaveLength(4);
    expect(recs[3]).toMatchObject({ seq: 4, type: 'audit.recovered' });
    expect(recs[3]!.message).toContain(`Dropped ${Buffer.byteLength(torn)} bytes`);
    expect(verifyAuditChain(dir)).toMatchObject({ ok: true, records: 4 });
  });

  it('rotates before a line would exceed maxFileBytes and chains across files', () => {
    const log = AuditLog.open({ dir, maxFileBytes: 1000, clock: steppingClock() });
    for (let i = 0; i < 40; i++) log.record(toolCall(i));
    log.close();

    const files = listAuditFiles(dir);
    expect(files.length).toBeGreaterThan(3);
    expect(files.slice(0, 2)).toEqual([rotatedFileName(1), rotatedFileName(2)]);
    expect(files.at(-1)).toBe(AUDIT_ACTIVE_FILE);
    for (const f of files) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(1000);
    const rotatedLines = lines(join(dir, rotatedFileName(1)));
    const nextFirst = records(join(dir, rotatedFileName(2)))[0]!;
    expect(nextFirst.prev).toBe(sha256Hex(rotatedLines.at(-1)!));
    expect(nextFirst.seq).toBe(rotatedLines.length + 1);
    expect(verifyAuditChain(dir)).toMatchObject({ ok: true, records: 40, files });
  });

  it('continues from the newest rotated file when the active file is missing', () => {
    const log = AuditLog.open({ dir, maxFileBytes: 600, clock: steppingClock() });
    for (let i = 0; i < 10; i++) log.record(toolCall(i));
    log.close();
    // A crash between rotating and creating the new active file leaves no audit.jsonl.
    const active = join(dir, AUDIT_ACTIVE_FILE);
    const activeLines = lines(active);
    const rotatedCount = listAuditFiles(dir).length - 1;
    const next = rotatedFileName(rotatedCount + 1);
    writeFileSync(join(dir, next), readFileSync(active));
    rmSync(active);

    const reopened = AuditLog.open({ dir, maxFileBytes: 600, clock: steppingClock() });
    reopened.record({ type: 'broker.start' });
    reopened.close();
    const first = records(active)[0]!;
    expect(first.seq).toBe(11);
    expect(first.prev).toBe(sha256Hex(activeLines.at(-1)!));
    expect(verifyAuditChain(dir)).toMatchObject({ ok: true, records: 11 });
  });

  it('writes the head file at most every 250 ms, off the event loop, and on close', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const head = join(dir, AUDIT_HEAD_FILE);
    const log = AuditLog.open({ dir, maxFileBytes: 1_000_000, clock: steppingClock() });
    log.record(toolCall(1));
    log.record(toolCall(2));
    expect(existsSync(head)).toBe(false);
    vi.advanceTimersByTime(250);
    // The timer only started the sync and the write on the thread pool: nothing blocked the loop.
    expect(existsSync(head)).toBe(false);
    vi.useRealTimers();
    await vi.waitFor(() => expect(existsSync(head)).toBe(true));
    const raw = lines(join(dir, AUDIT_ACTIVE_FILE));
    expect(JSON.parse(readFileSync(head, 'utf8'))).toEqual({ seq: 2, hash: sha256Hex(raw[1]!) });

    log.record(toolCall(3));
    log.close();
    expect(JSON.parse(readFileSync(head, 'utf8'))).toMatchObject({ seq: 3 });
    expect((statSync(head).mode & 0o777).toString(8)).toBe('600');
  });

  it('records lines removed from the end while it was closed, instead of silently reusing their seq', () => {
    const log = AuditLog.open({ dir, maxFileBytes: 1_000_000, clock: steppingClock() });
    for (let i = 0; i < 5; i++) log.record(toolCall(i));
    log.close();
    const active = join(dir, AUDIT_ACTIVE_FILE);
    writeFileSync(active, `${lines(active).slice(0, 3).join('\n')}\n`);

    AuditLog.open({ dir, maxFileBytes: 1_000_000, clock: steppingClock() }).close();
    const last = records(active).at(-1)!;
    expect(last).toMatchObject({ seq: 4, type: 'audit.recovered', outcome: 'error' });
    expect(last.message).toContain('2 record(s) were removed from the end');
  });

  it('creates a private folder and file, and appends nothing after close', () => {
    const log = AuditLog.open({ dir, maxFileBytes: 1_000_000, clock: steppingClock() });
    log.record({ type: 'broker.start' });
    log.close();
    log.close();
    expect(log.dir).toBe(dir);
    expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(join(dir, AUDIT_ACTIVE_FILE)).mode & 0o777).toString(8)).toBe('600');
    const before = readFileSync(join(dir, AUDIT_ACTIVE_FILE), 'utf8');
    // Never throws to its caller (REL-5), but nothing is appended and health() says so.
    log.record({ type: 'broker.stop' });
    expect(readFileSync(join(dir, AUDIT_ACTIVE_FILE), 'utf8')).toBe(before);
    expect(log.health()).toMatchObject({ writable: false, lost: 1 });
    expect(log.health().error).toContain('closed');
  });

  it('refuses to continue a log whose last line is not a record', () => {
    const log = AuditLog.open({ dir, maxFileBytes: 1_000_000, clock: steppingClock() });
    log.record({ type: 'broker.start' });
    log.close();
    appendFileSync(join(dir, AUDIT_ACTIVE_FILE), 'not json\n');
    expect(() => AuditLog.open({ dir, maxFileBytes: 1_000_000, clock: steppingClock() })).toThrow(
      /cannot be continued/,
    );
  });
});

describe('callRecordsAfterTurn (the serving broker)', () => {
  it('writes tool.call records once the turn ends, in one chain with the inline records, and verifiable', async () => {
    const tmp = makeTempDir();
    try {
      const log = AuditLog.open({
        dir: tmp.path,
        maxFileBytes: 1_000_000,
        clock: steppingClock(),
        callRecordsAfterTurn: true,
      });
      const lines = () => readFileSync(join(tmp.path, AUDIT_ACTIVE_FILE), 'utf8').split('\n').slice(0, -1);
      log.record({ type: 'tool.call', outcome: 'ok', tool: 'first' });
      log.record({ type: 'tool.call', outcome: 'ok', tool: 'second' });
      // Not yet: the response of the call is sent in this turn, the lines after it.
      expect(lines()).toHaveLength(0);
      await new Promise((r) => setImmediate(r));
      expect(lines().map((l) => (JSON.parse(l) as { tool: string }).tool)).toEqual(['first', 'second']);

      // Any other record writes the waiting ones first, so the order is the order of record().
      log.record({ type: 'tool.call', outcome: 'ok', tool: 'third' });
      log.record({ type: 'secret.set', outcome: 'ok', secretName: 'x' });
      expect(
        lines()
          .map((l) => (JSON.parse(l) as { type: string }).type)
          .slice(2),
      ).toEqual(['tool.call', 'secret.set']);
      // close() writes what still waits.
      log.record({ type: 'tool.call', outcome: 'ok', tool: 'last' });
      log.close();
      expect(lines()).toHaveLength(5);
      const result = verifyAuditChain(tmp.path);
      expect(result).toMatchObject({ ok: true, records: 5 });
    } finally {
      tmp.remove();
    }
  });

  it('a turn whose lines would cross a rotation is written line by line and still chains', async () => {
    const tmp = makeTempDir();
    try {
      const log = AuditLog.open({
        dir: tmp.path,
        maxFileBytes: 700,
        clock: steppingClock(),
        callRecordsAfterTurn: true,
      });
      for (let i = 0; i < 12; i++) log.record({ type: 'tool.call', outcome: 'ok', tool: `tool${String(i)}` });
      await new Promise((r) => setImmediate(r));
      log.close();
      const result = verifyAuditChain(tmp.path);
      expect(result).toMatchObject({ ok: true, records: 12 });
      expect(listAuditFiles(tmp.path).length).toBeGreaterThan(1);
    } finally {
      tmp.remove();
    }
  });
});
