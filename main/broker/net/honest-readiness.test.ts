import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  CLI,
  FIXTURE_SERVER,
  runCli,
  startBroker,
  writeBrokerHome,
} from '../../test-support/broker-process.js';
import { makeTempDir } from '../../test-support/temp-dir.js';

const env = { MCP_AUTH_BROKER_PASSPHRASE: 'rel7-test' };

let tmp: ReturnType<typeof makeTempDir>;
let children: ChildProcess[];

beforeEach(() => {
  tmp = makeTempDir('mab-rel7-');
  children = [];
});
afterEach(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  tmp.remove();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('locks and readiness are honest (issue 10 point 7)', () => {
  it('REL-7 a stale lock whose pid now belongs to another live process is taken over', async () => {
    const home = writeBrokerHome(tmp.path, { servers: {}, secretStore: { type: 'encrypted-file' } });
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(sleeper);
    mkdirSync(home.dataDir, { recursive: true, mode: 0o700 });
    // What a broker killed with -9 leaves behind once the kernel gives its pid to another program.
    writeFileSync(
      join(home.dataDir, 'broker.lock'),
      JSON.stringify({
        pid: sleeper.pid,
        role: 'broker',
        startedAt: '2026-01-01T00:00:00.000Z',
        procStart: '1',
      }),
    );
    const broker = await startBroker(home, [], env);
    try {
      const status = await runCli(['status', '--config', home.configPath, '--data-dir', home.dataDir], {
        env,
      });
      expect(status.stdout).toContain('Broker running');
      expect(status.code).toBe(0);
    } finally {
      await broker.stop();
    }
    expect(sleeper.exitCode).toBeNull();
  });

  it('REL-7 /healthz says 503 starting until the authorization server, /mcp and /ui are mounted', async () => {
    const slowServer = {
      command: 'sh',
      args: ['-c', `sleep 3; exec "${process.execPath}" "${FIXTURE_SERVER}"`],
    };
    const home = writeBrokerHome(tmp.path, {
      servers: { slow: slowServer },
      secretStore: { type: 'encrypted-file' },
    });
    const port = await freePort();
    const serve = spawn(
      process.execPath,
      [
        CLI,
        'serve',
        '--background',
        '--port',
        String(port),
        '--config',
        home.configPath,
        '--data-dir',
        home.dataDir,
      ],
      { env: { ...process.env, ...env }, stdio: 'ignore' },
    );
    children.push(serve);
    const base = `http://127.0.0.1:${String(port)}`;
    const seen: string[] = [];
    const deadline = Date.now() + 40_000;
    for (;;) {
      expect(Date.now(), `healthz never became ready: ${seen.join(', ')}`).toBeLessThan(deadline);
      const health = await fetch(`${base}/healthz`).catch(() => undefined);
      if (health) {
        const body = (await health.json()) as { status: string };
        seen.push(`${String(health.status)} ${body.status}`);
        if (health.status === 200) {
          expect(body.status).toBe('ok');
          const metadata = await fetch(`${base}/.well-known/oauth-authorization-server`);
          expect(metadata.status).toBe(200);
          expect((await fetch(`${base}/ui/`)).status).not.toBe(404);
          break;
        }
        expect(health.status).toBe(503);
        expect(body.status).toBe('starting');
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen).toContain('503 starting');
  });

  it('REL-7 while the broker starts, status says starting and secret set waits instead of LOCK_HELD', async () => {
    const slowServer = {
      command: 'sh',
      args: ['-c', `sleep 8; exec "${process.execPath}" "${FIXTURE_SERVER}"`],
    };
    const home = writeBrokerHome(tmp.path, {
      servers: { slow: slowServer },
      secretStore: { type: 'encrypted-file' },
    });
    const where = ['--config', home.configPath, '--data-dir', home.dataDir];
    const serve = spawn(process.execPath, [CLI, 'serve', '--background', '--port', '0', ...where], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    children.push(serve);
    const deadline = Date.now() + 20_000;
    while (
      !existsSync(join(home.dataDir, 'broker.lock')) ||
      !existsSync(join(home.dataDir, 'run', 'control.sock'))
    ) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 20));
    }
    const [status, set] = await Promise.all([
      runCli(['status', '--json', ...where], { env }),
      runCli(['secret', 'set', 'TOKEN', ...where], { env, input: 'rel7-value' }),
    ]);
    const body = JSON.parse(status.stdout) as { running: boolean; state?: string };
    expect(body).toMatchObject({ running: true, state: 'starting' });
    expect(status.code).toBe(0);
    expect(set.stderr).not.toContain('LOCK_HELD');
    expect(set.stdout).toContain('Saved secret "TOKEN"');
    expect(set.code).toBe(0);
    const after = await runCli(['status', ...where], { env });
    expect(after.stdout).toContain('Broker running');
  });
});
