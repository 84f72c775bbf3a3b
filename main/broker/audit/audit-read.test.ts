import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { makeTempDir } from '../../test-support/temp-dir.js';
import type { AuditRecord } from './audit-event.js';
import { AUDIT_ACTIVE_FILE, listAuditFiles } from './audit-files.js';
import { AuditLog } from './audit-log.js';
import { followAudit, formatAuditRecord, readAuditTail } from './audit-read.js';

const clock = { now: () => Date.parse('2025-03-01T12:00:00.000Z') };

let temp: ReturnType<typeof makeTempDir>;
let dir: string;
let controller: AbortController;
beforeEach(() => {
  temp = makeTempDir();
  dir = join(temp.path, 'audit');
  controller = new AbortController();
});
afterEach(() => {
  controller.abort();
  temp.remove();
});

function recordTools(log: AuditLog, from: number, to: number): void {
  for (let i = from; i <= to; i++) log.record({ type: 'tool.call', outcome: 'ok', tool: `tool${i}` });
}

describe('readAuditTail', () => {
  it('returns the last N records across rotated files, oldest first', () => {
    const log = AuditLog.open({ dir, maxFileBytes: 600, clock });
    recordTools(log, 1, 25);
    log.close();
    expect(listAuditFiles(dir).length).toBeGreaterThan(5);

    const tail = readAuditTail(dir, 7);
    expect(tail.map((r) => r.seq)).toEqual([19, 20, 21, 22, 23, 24, 25]);
    expect(tail[0]!.tool).toBe('tool19');
    expect(readAuditTail(dir, 100)).toHaveLength(25);
    expect(readAuditTail(dir, 0)).toEqual([]);
    expect(readAuditTail(join(temp.path, 'nothing-here'), 5)).toEqual([]);
  });

  it('skips a torn last line', () => {
    const log = AuditLog.open({ dir, maxFileBytes: 1_000_000, clock });
    recordTools(log, 1, 3);
    log.close();
    appendFileSync(join(dir, AUDIT_ACTIVE_FILE), '{"seq":4');
    expect(readAuditTail(dir, 2).map((r) => r.seq)).toEqual([2, 3]);
  });
});

describe('formatAuditRecord', () => {
  const base: AuditRecord = {
    seq: 3,
    time: '2025-03-01T12:00:00.000Z',
    type: 'tool.call',
    prev: '0'.repeat(64),
    hash: '1'.repeat(64),
  };

  it('prints the fields a person looks for on one line', () => {
    const line = formatAuditRecord({
      ...base,
      outcome: 'error',
      client: 'shim:42',
      server: 'github',
      tool: 'search_issues',
      durationMs: 12,
      errorCode: -32000,
      message: 'upstream timed out',
    });
    expect(line).toBe(
      '2025-03-01T12:00:00.000Z tool.call           error  client=shim:42 server=github tool=search_issues 12ms error=-32000   upstream timed out',
    );
    expect(line).not.toContain(base.hash);
  });

  it('keeps hostile text on one line and out of terminal control', () => {
    const line = formatAuditRecord({ ...base, message: 'a\nb\u001b[31mred\r' });
    expect(line).not.toMatch(/\p{Cc}/u);
    expect(line.endsWith('a\\u000ab\\u001b[31mred\\u000d')).toBe(true);
    expect(formatAuditRecord(base)).toBe('2025-03-01T12:00:00.000Z tool.call           -');
  });
});

describe('followAudit', () => {
  it('sees new lines, across rotations, and stops when aborted', async () => {
    const log = AuditLog.open({ dir, maxFileBytes: 700, clock });
    recordTools(log, 1, 3);
    const seen: AuditRecord[] = [];
    followAudit(dir, (r) => seen.push(r), controller.signal);
    expect(seen).toEqual([]);

    recordTools(log, 4, 5);
    await vi.waitFor(() => {
      expect(seen.map((r) => r.seq)).toEqual([4, 5]);
    });

    // Several rotations between two polls: nothing is lost or repeated.
    recordTools(log, 6, 20);
    await vi.waitFor(() => {
      expect(seen.map((r) => r.seq)).toEqual(Array.from({ length: 17 }, (_, i) => i + 4));
    });
    expect(seen.at(-1)!.tool).toBe('tool20');

    controller.abort();
    recordTools(log, 21, 21);
    // A fixed wait on purpose: it proves an aborted follow does NOT deliver the new record.
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(seen.at(-1)!.seq).toBe(20);
    log.close();
  });

  it('starts after a given seq so nothing between a tail and the follow is missed', async () => {
    const log = AuditLog.open({ dir, maxFileBytes: 700, clock });
    recordTools(log, 1, 10);
    const seen: number[] = [];
    followAudit(dir, (r) => seen.push(r.seq), controller.signal, { afterSeq: 2 });
    expect(seen).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);

    recordTools(log, 11, 11);
    await vi.waitFor(() => {
      expect(seen.at(-1)).toBe(11);
    });
    log.close();
  });

  it('waits for a log that does not exist yet', async () => {
    const seen: number[] = [];
    followAudit(dir, (r) => seen.push(r.seq), controller.signal);
    const log = AuditLog.open({ dir, maxFileBytes: 1_000_000, clock });
    recordTools(log, 1, 2);
    await vi.waitFor(() => {
      expect(seen).toEqual([1, 2]);
    });
    log.close();
  });
});
