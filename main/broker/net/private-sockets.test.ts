import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  type BrokerHome,
  CLI,
  type CliResult,
  runCli,
  startBroker,
  writeBrokerHome,
} from '../../test-support/broker-process.js';
import { makeTempDir } from '../../test-support/temp-dir.js';

const CANARY = 'sec4-planted-canary-value';
const env = { MCP_AUTH_BROKER_PASSPHRASE: 'sec4-test' };
const isRoot = process.getuid?.() === 0;

let tmp: ReturnType<typeof makeTempDir>;
let cleanups: (() => void)[];

beforeEach(() => {
  tmp = makeTempDir('mab-sec4-');
  cleanups = [];
});
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  tmp.remove();
});

/** A broker home whose `<dataDir>/run/control.sock` is too long for a Unix socket path. */
function longHome(): BrokerHome {
  const home = writeBrokerHome(tmp.path, { servers: {}, secretStore: { type: 'encrypted-file' } });
  return { ...home, dataDir: join(tmp.path, 'd'.repeat(100 - tmp.path.length)) };
}

/** A fake broker on a Unix socket that records what it is sent (as a planted folder would hold). */
async function fakeBroker(socketPath: string): Promise<{ received: string[] }> {
  const received: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(`${req.method ?? ''} ${req.url ?? ''} ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ restarted: [], names: [], pid: 1, url: 'http://fake', servers: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  chmodSync(socketPath, 0o777);
  cleanups.push(() => server.close());
  return { received };
}

/** Runs the CLI and kills it after `ms` (a `serve` that does not refuse would run on). */
function runFor(args: string[], ms: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const where = (home: BrokerHome) => ['--config', home.configPath, '--data-dir', home.dataDir];
const key = (dataDir: string) => createHash('sha256').update(dataDir).digest('hex').slice(0, 12);

describe('sockets in a private per-user folder (issue 9 point 4)', () => {
  it('SEC-4 a folder planted at the old /tmp socket path is never used: secret set does not reach it', async () => {
    const home = longHome();
    const planted = join(
      tmpdir(),
      `mcp-auth-broker-${String(process.getuid?.() ?? 'u')}-${key(home.dataDir)}`,
    );
    rmSync(planted, { recursive: true, force: true });
    mkdirSync(planted, { mode: 0o777 });
    chmodSync(planted, 0o777);
    cleanups.push(() => rmSync(planted, { recursive: true, force: true }));
    const fakeControl = await fakeBroker(join(planted, 'control.sock'));
    const broker = await startBroker(home, [], { ...env, XDG_RUNTIME_DIR: '' });
    try {
      const set = await runCli(['secret', 'set', 'TOKEN', ...where(home)], { input: CANARY, env });
      expect(fakeControl.received).toEqual([]);
      expect(set.code).toBe(0);
      const runDir = readFileSync(join(home.dataDir, 'runtime-dir'), 'utf8').trim();
      expect(runDir).not.toBe(planted);
      const st = statSync(runDir);
      expect(st.mode & 0o777).toBe(0o700);
      expect(st.uid).toBe(process.getuid?.());
      expect(statSync(join(runDir, 'control.sock')).mode & 0o077).toBe(0);
      const list = await runCli(['secret', 'list', ...where(home)], { env });
      expect(list.stdout).toContain('TOKEN');
    } finally {
      await broker.stop();
    }
  });

  const plantings: [string, (dir: string) => void][] = [
    ['mode 0777', (dir) => chmodSync(dir, 0o777)],
    ...(isRoot
      ? ([['owned by another uid', (dir) => chownSync(dir, 65534, 65534)]] as [string, (d: string) => void][])
      : []),
  ];
  for (const [label, plant] of plantings) {
    it(`SEC-4 a planted socket folder (${label}) → serve refuses, status and connect refuse`, async () => {
      const home = longHome();
      const xdg = join(tmp.path, 'xdg');
      mkdirSync(xdg, { mode: 0o700 });
      const planted = join(xdg, 'mcp-auth-broker', key(home.dataDir));
      mkdirSync(planted, { recursive: true, mode: 0o700 });
      const fakeControl = await fakeBroker(join(planted, 'control.sock'));
      const fakeMcp = await fakeBroker(join(planted, 'mcp.sock'));
      plant(planted);
      const serve = await runFor(['serve', '--port', '0', ...where(home)], 15_000, { XDG_RUNTIME_DIR: xdg });
      expect(serve.stderr).toContain(`Refusing to use the socket folder ${planted}`);
      expect(serve.code).toBe(1);
      const status = await runCli(['status', ...where(home)], { env: { ...env, XDG_RUNTIME_DIR: xdg } });
      expect(status.stderr).toContain(`Refusing to use the socket folder ${planted}`);
      expect(status.code).toBe(1);
      const connect = await runFor(['connect', '--no-start', ...where(home)], 15_000, {
        XDG_RUNTIME_DIR: xdg,
      });
      expect(connect.stderr).toContain(`Refusing to use the socket folder ${planted}`);
      expect(connect.code).toBe(1);
      expect(fakeControl.received).toEqual([]);
      expect(fakeMcp.received).toEqual([]);
    });
  }

  it('SEC-4 a symlinked control socket → status and serve refuse', async () => {
    const home = writeBrokerHome(tmp.path, { servers: {}, secretStore: { type: 'encrypted-file' } });
    const fake = await fakeBroker(join(tmp.path, 'fake.sock'));
    const runDir = join(home.dataDir, 'run');
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    symlinkSync(join(tmp.path, 'fake.sock'), join(runDir, 'control.sock'));
    const status = await runCli(['status', ...where(home)], { env });
    expect(status.stderr).toContain(
      `Refusing to use the socket ${join(runDir, 'control.sock')}: it is a symlink`,
    );
    expect(status.code).toBe(1);
    const serve = await runFor(['serve', '--port', '0', ...where(home)], 15_000);
    expect(serve.stderr).toContain('it is a symlink');
    expect(serve.code).toBe(1);
    expect(fake.received).toEqual([]);
  });

  it('SEC-4 a loose data dir and audit folder are tightened to 0700; a symlinked audit log is refused', async () => {
    const home = writeBrokerHome(tmp.path, { servers: {}, secretStore: { type: 'encrypted-file' } });
    mkdirSync(join(home.dataDir, 'audit'), { recursive: true });
    chmodSync(home.dataDir, 0o777);
    chmodSync(join(home.dataDir, 'audit'), 0o777);
    const broker = await startBroker(home, [], env);
    await broker.stop();
    expect(statSync(home.dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(home.dataDir, 'audit')).mode & 0o777).toBe(0o700);
    const elsewhere = join(tmp.path, 'elsewhere.txt');
    writeFileSync(elsewhere, 'not an audit log\n');
    rmSync(join(home.dataDir, 'audit', 'audit.jsonl'));
    symlinkSync(elsewhere, join(home.dataDir, 'audit', 'audit.jsonl'));
    const serve = await runFor(['serve', '--port', '0', ...where(home)], 15_000);
    expect(serve.stderr).toContain('Refusing to use the audit log');
    expect(serve.code).toBe(1);
    expect(readFileSync(elsewhere, 'utf8')).toBe('not an audit log\n');
  });

  it.runIf(isRoot)('SEC-4 a data dir owned by another uid → serve refuses', async () => {
    const home = writeBrokerHome(tmp.path, { servers: {}, secretStore: { type: 'encrypted-file' } });
    mkdirSync(home.dataDir, { mode: 0o700 });
    chownSync(home.dataDir, 65534, 65534);
    const serve = await runFor(['serve', '--port', '0', ...where(home)], 15_000);
    expect(serve.stderr).toContain(`Refusing to use the data dir ${home.dataDir}: it belongs to uid 65534`);
    expect(serve.code).toBe(1);
  });
});
