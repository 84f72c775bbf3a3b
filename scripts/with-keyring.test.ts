import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import { makeTempDir } from '../main/test-support/temp-dir.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const SCRIPT = join(REPO_ROOT, 'scripts', 'with-keyring.js');

const onPath = (name: string): boolean =>
  (process.env['PATH'] ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
const canWrap = process.platform === 'linux' && onPath('dbus-run-session') && onPath('gnome-keyring-daemon');

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the wrapper as a fresh top-level invocation (the outer test run may itself be wrapped). */
function runWrapper(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  const base = { ...process.env };
  delete base['MCP_AUTH_BROKER_KEYRING_WRAPPED'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { cwd: REPO_ROOT, env: { ...base, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

const printEnv = `console.log(JSON.stringify({
  wrapped: process.env.MCP_AUTH_BROKER_KEYRING_WRAPPED, home: process.env.HOME,
  runtime: process.env.XDG_RUNTIME_DIR, data: process.env.XDG_DATA_HOME, bus: process.env.DBUS_SESSION_BUS_ADDRESS }))`;

/** gnome-keyring-daemon processes whose XDG_RUNTIME_DIR is `runDir`. */
function keyringDaemonsFor(runDir: string): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        const comm = readFileSync(`/proc/${pid}/comm`, 'utf8');
        const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
        return comm.startsWith('gnome-keyring') && environ.includes(`XDG_RUNTIME_DIR=${runDir}`);
      } catch {
        return false;
      }
    });
}

describe('scripts/with-keyring.js', () => {
  let temp: { path: string; remove: () => void } | undefined;
  afterEach(() => {
    temp?.remove();
    temp = undefined;
  });

  it('passes the exit code on and prints usage without a command', async () => {
    expect((await runWrapper(['node', '-e', 'process.exit(7)'])).code).toBe(7);
    expect((await runWrapper(['node', '-e', 'process.exit(0)'])).code).toBe(0);
    const usage = await runWrapper([]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: node scripts/with-keyring.js');
  });

  it('runs the command as is when already wrapped', async () => {
    const env = { MCP_AUTH_BROKER_KEYRING_WRAPPED: '1', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/marker' };
    const outcome = await runWrapper(['node', '-e', printEnv], env);
    expect(outcome.code).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ wrapped: '1', bus: 'unix:path=/marker' });
  });

  it.skipIf(process.platform !== 'linux')(
    'says why and runs the command when the tools are missing',
    async () => {
      temp = makeTempDir();
      symlinkSync(process.execPath, join(temp.path, 'node'));
      const outcome = await runWrapper(['node', '-e', 'process.exit(4)'], { PATH: temp.path });
      expect(outcome.code).toBe(4);
      expect(outcome.stderr).toContain('with-keyring: gnome-keyring/dbus-run-session not installed');
    },
  );

  it.skipIf(!canWrap)('gives the command a private bus and temp XDG dirs, then cleans up', async () => {
    const outcome = await runWrapper(['node', '-e', printEnv]);
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).not.toContain('Failed to set fd limit');
    const seen = JSON.parse(outcome.stdout) as Record<string, string | undefined>;
    expect(seen['wrapped']).toBe('1');
    expect(seen['home']).toBe(process.env['HOME']);
    expect(seen['bus']).not.toBe(process.env['DBUS_SESSION_BUS_ADDRESS']);
    expect(seen['runtime']).toMatch(/mab-keyring-[^/]+\/run$/);
    expect(seen['data']).toBe(join(seen['runtime']!, '..', 'data'));
    expect(existsSync(join(seen['runtime']!, '..'))).toBe(false);
    expect(keyringDaemonsFor(seen['runtime']!)).toEqual([]);
  });

  it.skipIf(!canWrap)('provides a working, unlocked Secret Service with a 0700 runtime dir', async () => {
    const script = `
      import { AsyncEntry } from '@napi-rs/keyring';
      import { statSync } from 'node:fs';
      const entry = new AsyncEntry('with-keyring-test', 'probe', { linux: { store: 'secret-service' } });
      await entry.setPassword('round-trip');
      console.log(JSON.stringify({ value: await entry.getPassword(),
        mode: statSync(process.env.XDG_RUNTIME_DIR).mode & 0o777 }));`;
    const outcome = await runWrapper(['node', '--input-type=module', '-e', script]);
    expect(outcome.code).toBe(0);
    expect(JSON.parse(outcome.stdout)).toEqual({ value: 'round-trip', mode: 0o700 });
  });
});
