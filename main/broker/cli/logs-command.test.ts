import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { CLI, fixtureServer } from '../../test-support/broker-process.js';
import { startTestBroker, type TestBroker } from '../../test-support/in-process-broker.js';
import { memorySecretStore } from '../../test-support/memory-secret-store.js';
import { callControl } from '../control/control-client.js';

/** A multi-line secret whose lines are too short to be redacted alone: only the whole value is. */
const CANARY = 'Zq81x\nWp02k\nMv55t';
const CANARY_PARTS = CANARY.split('\n');

describe('15.3 mcp-auth-broker logs (real CLI, real broker)', () => {
  let tb: TestBroker | undefined;

  afterEach(async () => {
    await tb?.stop();
    tb = undefined;
  });

  async function leakyBroker() {
    tb = await startTestBroker({
      // The fixture prints `starting with TOKEN=<value>` to stderr: a leaky server.
      servers: { srv: fixtureServer({ TOKEN: { secret: 'pem' }, FIXTURE_STDERR_ENV: 'TOKEN' }) },
      secretStore: memorySecretStore({ pem: CANARY }),
    });
    return tb;
  }

  it('15.3 SEC-5 prints the last lines, redacted, and no multi-line secret reaches the file', async () => {
    const broker = await leakyBroker();
    await expect
      .poll(async () => (await broker.cli(['logs', 'srv'])).stdout, { timeout: 5000 })
      .toContain('starting with TOKEN=[REDACTED]');
    const { code, stdout } = await broker.cli(['logs', 'srv', '-n', '20']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z ── starting .+ ──$/m);
    const dir = join(broker.dataDir, 'server-logs');
    expect(readdirSync(dir)).toEqual(['srv.log']);
    const onDisk = readFileSync(join(dir, 'srv.log'), 'utf8');
    for (const part of CANARY_PARTS) {
      expect(onDisk).not.toContain(part);
      expect(stdout).not.toContain(part);
    }
    const one = await broker.cli(['logs', 'srv', '-n', '1']);
    expect(one.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('15.3 the window reads the same redacted log through its API', async () => {
    const broker = await leakyBroker();
    const api = broker.broker.ui?.api;
    await expect
      .poll(async () => (await api?.getServerLog({ name: 'srv' }))?.lines.join('\n'), { timeout: 5000 })
      .toContain('starting with TOKEN=[REDACTED]');
    const { lines } = (await api?.getServerLog({ name: 'srv', lines: 50 })) ?? { lines: [] };
    for (const part of CANARY_PARTS) expect(lines.join('\n')).not.toContain(part);
    await expect(api?.getServerLog({ name: 'nope' })).rejects.toThrow('No server named "nope"');
  });

  it('15.3 refuses an unknown server and a bad -n', async () => {
    const broker = await leakyBroker();
    const unknown = await broker.cli(['logs', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No server named "nope"');
    const bad = await broker.cli(['logs', 'srv', '-n', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('-n must be a whole number');
  });

  it('15.3 logs -f follows new lines and ends when the broker stops', async () => {
    const broker = await leakyBroker();
    const args = [
      'logs',
      'srv',
      '-f',
      '-n',
      '5',
      '--config',
      broker.configPath,
      '--data-dir',
      broker.dataDir,
    ];
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const starts = () => out.split('starting with TOKEN=[REDACTED]').length - 1;
    await expect.poll(starts, { timeout: 10_000 }).toBe(1);
    expect((await callControl(broker.dataDir, 'POST', '/servers/srv/restart')).status).toBe(200);
    await expect.poll(starts, { timeout: 10_000 }).toBe(2);
    expect(out).toMatch(/── process \d+ (exited with code|was killed by)/);
    await broker.stop();
    expect(await exited).toBe(0);
    expect(err).toContain('The broker stopped');
    for (const part of CANARY_PARTS) expect(out).not.toContain(part);
  });
});
