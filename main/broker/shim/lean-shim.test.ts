import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  type BrokerHome,
  CLI,
  connectThroughShim,
  fixtureServer,
  stopBackgroundBroker,
  writeBrokerHome,
} from '../../test-support/broker-process.js';
import { makeTempDir } from '../../test-support/temp-dir.js';

let tmp: ReturnType<typeof makeTempDir>;
let home: BrokerHome;

beforeEach(() => {
  tmp = makeTempDir();
  home = writeBrokerHome(tmp.path, { servers: { alpha: fixtureServer({ FIXTURE_NAME: 'alpha' }) } });
});

afterEach(async () => {
  await stopBackgroundBroker(home.dataDir);
  tmp.remove();
});

/**
 * A module-resolution hook (runs in Node's loader thread) that appends every resolved file: URL to
 * `log`, so a test can see exactly which modules a command loaded.
 */
function loadLogFlag(log: string): string {
  const hook =
    `import { appendFileSync } from 'node:fs';` +
    `export async function resolve(s, c, next) { const r = await next(s, c);` +
    ` if (r.url.startsWith('file:')) appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }`;
  const register =
    `import { register } from 'node:module';` +
    `register(${JSON.stringify('data:text/javascript,' + encodeURIComponent(hook))});`;
  return `--import=data:text/javascript,${encodeURIComponent(register)}`;
}

async function loadedBy(args: string[], log: string): Promise<{ code: number | null; files: string[] }> {
  const child = spawn(process.execPath, [loadLogFlag(log), CLI, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  let files: string[] = [];
  try {
    files = [...new Set(readFileSync(log, 'utf8').trim().split('\n').filter(Boolean))];
  } catch {
    /* nothing resolved */
  }
  return { code, files };
}

describe('lean connect shim (issue 11 point 2)', () => {
  it('relaying to a running broker loads only the shim modules: no CLI, no npm package', async () => {
    const first = await connectThroughShim(home); // starts the background broker
    const log = join(tmp.path, 'loaded.txt');
    const { code, files } = await loadedBy(
      ['connect', '--config', home.configPath, '--data-dir', home.dataDir, '--no-start'],
      log,
    );
    await first.client.close();
    expect(code).toBe(0);
    expect(files.some((f) => f.includes('/shim/connect'))).toBe(true);
    expect(files.filter((f) => f.includes('node_modules'))).toEqual([]);
    expect(files.filter((f) => f.includes('/cli/'))).toEqual([]);
    // bin + connect-main + connect + the socket path and check modules: a handful, not the broker.
    expect(files.length).toBeLessThanOrEqual(8);
  });

  it('connect --help and a bad option are answered without loading the CLI', async () => {
    const help = await loadedBy(['connect', '--help'], join(tmp.path, 'help.txt'));
    expect(help.code).toBe(0);
    expect(help.files.filter((f) => f.includes('/cli/') || f.includes('node_modules'))).toEqual([]);
    const bad = spawn(process.execPath, [CLI, 'connect', '--port', 'x'], { stdio: 'pipe' });
    let stderr = '';
    bad.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => bad.once('exit', r));
    expect(code).toBe(2);
    expect(stderr).toMatch(/mcp-auth-broker connect: --port must be a whole number/);
  });
});
