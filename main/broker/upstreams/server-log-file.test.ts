import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { makeTempDir } from '../../test-support/temp-dir.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import { ServerLogFile } from './server-log-file.js';

const temp = makeTempDir('mab-log-');
afterAll(() => temp.remove());

/** Lines of at most 5 characters: each too short to be redacted on its own, only the whole value is. */
const CANARY = 'Zq81x\nWp02k\nMv55t';

describe('15.3 per-server log file', () => {
  it('15.3 SEC-5 a multi-line secret split over chunks never reaches the file', async () => {
    const redactor = new SecretRedactor();
    redactor.add(CANARY);
    const log = new ServerLogFile(join(temp.path, 'a', 'srv.log'), redactor);
    log.write('before\nZq8');
    log.write('1x\nWp02k\nMv');
    log.write('55t\nafter\n');
    await expect.poll(async () => (await log.tail(10)).length).toBe(3);
    const text = readFileSync(log.path, 'utf8');
    for (const part of CANARY.split('\n')) expect(text).not.toContain(part);
    expect((await log.tail(10)).map((line) => line.slice(25))).toEqual(['before', '[REDACTED]', 'after']);
    if (process.platform !== 'win32') expect(statSync(log.path).mode & 0o777).toBe(0o600);
  });

  it('15.3 rotates to .1 and stays bounded', async () => {
    const limits = { maxFileBytes: 2000, quietMs: 10, maxPendingBytes: 500 };
    const log = new ServerLogFile(join(temp.path, 'b', 'srv.log'), new SecretRedactor(), limits);
    for (let i = 0; i < 200; i += 1) log.write(`line ${String(i).padStart(3, '0')} ${'x'.repeat(40)}\n`);
    log.mark('done');
    await log.settled();
    expect(existsSync(`${log.path}.1`)).toBe(true);
    expect(statSync(log.path).size).toBeLessThanOrEqual(2000);
    expect(statSync(`${log.path}.1`).size).toBeLessThanOrEqual(2000);
    const tail = await log.tail(3);
    expect(tail[0]).toContain('line 198');
    expect(tail[1]).toContain('line 199');
    expect(tail[2]).toMatch(/── done ──$/);
  });

  it.skipIf(process.platform === 'win32')('15.3 never writes through a planted symlink', async () => {
    const target = join(temp.path, 'target.txt');
    writeFileSync(target, 'untouched\n');
    const dir = join(temp.path, 'c');
    const log = new ServerLogFile(join(dir, 'srv.log'), new SecretRedactor());
    log.mark('first');
    await log.settled();
    const planted = join(dir, 'evil.log');
    symlinkSync(target, planted);
    const evil = new ServerLogFile(planted, new SecretRedactor());
    evil.mark('leak');
    await evil.settled();
    expect(readFileSync(target, 'utf8')).toBe('untouched\n');
  });
});
