import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { makeTempDir } from '../../test-support/temp-dir.js';
import { isBrokerError } from '../base/errors.js';
import { acquireInstanceLock } from './instance-lock.js';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => (tmp = makeTempDir()));
afterEach(() => tmp.remove());

describe('instance lock', () => {
  it('is exclusive while held by a live process and free again after release', () => {
    const lock = acquireInstanceLock(tmp.path, 'broker');
    lock.update({ url: 'http://127.0.0.1:1234' });
    const holder = JSON.parse(readFileSync(join(tmp.path, 'broker.lock'), 'utf8')) as { pid: number };
    expect(holder.pid).toBe(process.pid);
    // A different live pid holds it: simulate with our parent process.
    writeFileSync(
      join(tmp.path, 'broker.lock'),
      JSON.stringify({ pid: process.ppid, role: 'broker', startedAt: '', url: 'http://127.0.0.1:1234' }),
    );
    let error: unknown;
    try {
      acquireInstanceLock(tmp.path, 'cli');
    } catch (e) {
      error = e;
    }
    expect(isBrokerError(error, 'LOCK_HELD')).toBe(true);
    expect(String(error)).toContain('http://127.0.0.1:1234');
    lock.release();
    // release() only removes a lock it holds: the foreign one is still there.
    expect(() => acquireInstanceLock(tmp.path, 'cli')).toThrow(/already running/);
  });

  it('takes over a lock left by a process that no longer exists', () => {
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    writeFileSync(
      join(tmp.path, 'broker.lock'),
      JSON.stringify({ pid: Number(dead), role: 'broker', startedAt: '' }),
    );
    const lock = acquireInstanceLock(tmp.path, 'broker');
    expect((JSON.parse(readFileSync(lock.path, 'utf8')) as { pid: number }).pid).toBe(process.pid);
    lock.release();
  });
});
