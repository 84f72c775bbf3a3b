import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { makeTempDir } from '../../test-support/temp-dir.js';
import { computeRecordHash, serializeRecord } from './audit-chain.js';
import type { AuditRecord } from './audit-event.js';
import { AUDIT_ACTIVE_FILE, AUDIT_HEAD_FILE, listAuditFiles, rotatedFileName } from './audit-files.js';
import { AuditLog } from './audit-log.js';
import type { AuditVerifyResult } from './audit-verify.js';
import { verifyAuditChain } from './audit-verify.js';

const AUDIT_WRITER = fileURLToPath(new URL('../../test-support/audit-writer.mjs', import.meta.url));

const clock = { now: () => Date.parse('2025-03-01T12:00:00.000Z') };

let temp: ReturnType<typeof makeTempDir>;
let dir: string;
let active: string;
beforeEach(() => {
  temp = makeTempDir();
  dir = join(temp.path, 'audit');
  active = join(dir, AUDIT_ACTIVE_FILE);
});
afterEach(() => {
  temp.remove();
});

/** Writes `count` events (closing the log, so the head file is written too). */
function writeLog(count: number, maxFileBytes = 1_000_000): void {
  const log = AuditLog.open({ dir, maxFileBytes, clock });
  for (let i = 1; i <= count; i++) log.record({ type: 'tool.call', outcome: 'ok', tool: `tool${i}` });
  log.close();
}

function readLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(0, -1);
}

/** The failure reason, or '' when the chain is intact. */
function reasonOf(result: AuditVerifyResult): string {
  return result.ok ? '' : result.reason;
}

/** Asserts the chain breaks at `where`, for a reason matching `reason`. */
function expectBreak(
  where: Partial<Record<'file' | 'line' | 'seq' | 'records', string | number>>,
  reason: string | RegExp,
): void {
  const result = verifyAuditChain(dir);
  expect(result).toMatchObject({ ok: false, ...where });
  expect(reasonOf(result)).toMatch(reason);
}

function writeLines(path: string, lines: string[]): void {
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
}

describe('verifyAuditChain', () => {
  it('passes on a clean log and on an empty folder', () => {
    expect(verifyAuditChain(dir)).toEqual({ ok: true, records: 0, files: [] });
    writeLog(10);
    expect(verifyAuditChain(dir)).toEqual({ ok: true, records: 10, files: [AUDIT_ACTIVE_FILE] });
  });

  it('names an edited line', () => {
    writeLog(10);
    const lines = readLines(active);
    lines[6] = lines[6]!.replace('"tool7"', '"tool-evil"');
    writeLines(active, lines);

    expect(verifyAuditChain(dir)).toMatchObject({
      ok: false,
      records: 6,
      file: AUDIT_ACTIVE_FILE,
      line: 7,
      seq: 7,
      reason: 'line 7 was edited (its hash does not match its content)',
    });
  });

  it('names a line whose hash was recomputed after the edit, by the next line', () => {
    writeLog(10);
    const lines = readLines(active);
    const edited = { ...(JSON.parse(lines[2]!) as AuditRecord), tool: 'other' };
    lines[2] = serializeRecord({ ...edited, hash: computeRecordHash(edited) });
    writeLines(active, lines);

    expectBreak({ line: 4 }, /^line 4 does not follow line 3/);
  });

  it('detects a deleted line', () => {
    writeLog(10);
    const lines = readLines(active);
    lines.splice(4, 1);
    writeLines(active, lines);

    expect(verifyAuditChain(dir)).toMatchObject({
      ok: false,
      line: 5,
      seq: 6,
      reason: 'line 5 does not follow line 4 (a line was removed or lines were reordered)',
    });
  });

  it('detects two swapped lines', () => {
    writeLog(10);
    const lines = readLines(active);
    [lines[3], lines[4]] = [lines[4]!, lines[3]!];
    writeLines(active, lines);

    expect(verifyAuditChain(dir)).toMatchObject({
      ok: false,
      line: 4,
      seq: 5,
      records: 3,
      reason: 'line 4 does not follow line 3 (a line was removed or lines were reordered)',
    });
  });

  it('detects lines removed from the end using the head file', () => {
    writeLog(10);
    writeLines(active, readLines(active).slice(0, 7));

    const result = verifyAuditChain(dir);
    expect(result).toMatchObject({ ok: false, records: 7, file: AUDIT_ACTIVE_FILE, line: 8, seq: 8 });
    expect(reasonOf(result)).toMatch(/lines were removed from the end/);
  });

  it('detects a replaced last line using the head file', () => {
    writeLog(5);
    const lines = readLines(active);
    const replaced = { ...(JSON.parse(lines[4]!) as AuditRecord), outcome: 'denied' as const };
    lines[4] = serializeRecord({ ...replaced, hash: computeRecordHash(replaced) });
    writeLines(active, lines);

    expectBreak({ line: 5 }, AUDIT_HEAD_FILE);
  });

  it('reports a torn last line', () => {
    writeLog(3);
    appendFileSync(active, '{"seq":4,"ti');

    expectBreak({ records: 3, line: 4 }, 'line 4 is incomplete');
  });

  it('reports a line that is not JSON and one that is not an audit record', () => {
    writeLog(3);
    const lines = readLines(active);
    writeLines(active, [...lines.slice(0, 1), 'garbage']);
    expect(verifyAuditChain(dir)).toMatchObject({ ok: false, line: 2, reason: 'line 2 is not valid JSON' });

    writeLines(active, [...lines.slice(0, 1), JSON.stringify({ seq: 2, note: 'x' })]);
    expectBreak({ line: 2 }, 'is not an audit record');
  });

  it('keeps the chain verifiable across rotated files', () => {
    writeLog(30, 700);
    const files = listAuditFiles(dir);
    expect(files.length).toBeGreaterThan(5);
    expect(verifyAuditChain(dir)).toEqual({ ok: true, records: 30, files });
  });

  it('detects a deleted rotated file, the oldest one included', () => {
    writeLog(30, 700);
    rmSync(join(dir, rotatedFileName(3)));
    expectBreak({ file: rotatedFileName(3) }, 'is missing');

    rmSync(join(dir, rotatedFileName(1)));
    expect(verifyAuditChain(dir)).toMatchObject({ ok: false, file: rotatedFileName(1) });
  });

  it('detects a log whose first records are gone even when the files were renumbered', () => {
    writeLog(30, 700);
    const rotatedCount = listAuditFiles(dir).length - 1;
    for (let n = 1; n < rotatedCount; n++) {
      writeFileSync(join(dir, rotatedFileName(n)), readFileSync(join(dir, rotatedFileName(n + 1))));
    }
    rmSync(join(dir, rotatedFileName(rotatedCount)));
    rmSync(join(dir, AUDIT_HEAD_FILE));

    expectBreak({ file: rotatedFileName(1), line: 1 }, 'does not start the log');
  });

  it('detects an edited line in a rotated file and names that file', () => {
    writeLog(30, 700);
    const path = join(dir, rotatedFileName(2));
    const lines = readLines(path);
    lines[1] = lines[1]!.replace('"ok"', '"denied"');
    writeLines(path, lines);

    expectBreak({ file: rotatedFileName(2), line: 2 }, 'was edited');
  });

  it('rejects a head file that is not a head', () => {
    writeLog(2);
    writeFileSync(join(dir, AUDIT_HEAD_FILE), '{"seq":"two"}');
    expect(verifyAuditChain(dir)).toMatchObject({ ok: false, file: AUDIT_HEAD_FILE });
  });
});

describe('verify on a live log', () => {
  it('REL-8 verify repeated while another process writes and rotates never reports a broken chain', async () => {
    const writer = spawn(process.execPath, [AUDIT_WRITER, dir, '2000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve) => writer.stdout.once('data', () => resolve()));
      const failures: string[] = [];
      let runs = 0;
      const until = Date.now() + 3000;
      while (Date.now() < until) {
        const result = verifyAuditChain(dir);
        runs += 1;
        if (!result.ok) failures.push(`${result.file}:${String(result.line)} ${result.reason}`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const rotated = listAuditFiles(dir).length - 1;
      console.log(
        `REL-8: ${String(runs)} verifies over ${String(rotated)} rotations, ${String(failures.length)} broken`,
      );
      expect(rotated).toBeGreaterThan(20);
      expect(failures.slice(0, 3)).toEqual([]);
    } finally {
      writer.kill('SIGTERM');
      await new Promise((resolve) => writer.once('exit', resolve));
    }
    expect(verifyAuditChain(dir).ok).toBe(true);
  });
});
