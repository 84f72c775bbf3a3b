import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  type BrokerHome,
  connectThroughShim,
  fixtureServer,
  runCli,
  type RunningBroker,
  startBroker,
  stopBackgroundBroker,
  writeBrokerHome,
} from '../test-support/broker-process.js';
import { keychainAvailability, uniqueKeychainService } from '../test-support/keychain.js';
import { makeTempDir } from '../test-support/temp-dir.js';

const keychain = await keychainAvailability();
if (!keychain.available) console.warn(`skipping keychain-backed broker tests: ${keychain.reason}`);

let tmp: ReturnType<typeof makeTempDir>;
const brokers: RunningBroker[] = [];

beforeEach(() => {
  tmp = makeTempDir();
});

afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
  tmp.remove();
});

async function serve(home: BrokerHome, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const broker = await startBroker(home, args, env);
  brokers.push(broker);
  return broker;
}

function cli(home: BrokerHome, args: string[], input?: string, env?: NodeJS.ProcessEnv) {
  return runCli([...args, '--config', home.configPath, '--data-dir', home.dataDir], {
    ...(input === undefined ? {} : { input }),
    ...(env ? { env } : {}),
  });
}

function auditText(home: BrokerHome): string {
  const dir = join(home.dataDir, 'audit');
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

function httpGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const fingerprint = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 12);

async function canaryRoundTrip(home: BrokerHome, env: NodeJS.ProcessEnv = {}) {
  const canary = `canary-${randomBytes(16).toString('hex')}`;
  const set = await cli(home, ['secret', 'set', 'canary-token'], canary, env);
  expect(set.stderr).toBe('');
  expect(set.code).toBe(0);
  const broker = await serve(home, ['--log-level', 'debug'], env);
  const { client } = await connectThroughShim(home, env as Record<string, string>);
  const result = await client.callTool({ name: 'canary__env_fingerprint', arguments: { name: 'CANARY' } });
  const text = JSON.stringify(result.content);
  expect(text).toContain(fingerprint(canary));
  expect(text).not.toContain(canary);
  const status = await cli(home, ['status', '--json'], undefined, env);
  expect(status.code).toBe(0);
  // The leaky fixture printed the secret on stderr: status shows that line, scrubbed.
  expect(status.stdout).toContain('[REDACTED]');
  const list = await cli(home, ['secret', 'list'], undefined, env);
  expect(list.stdout).toContain('canary-token');
  await client.close();
  await broker.stop();
  for (const [where, text] of [
    ['audit log', auditText(home)],
    ['debug log', broker.output()],
    ['status output', status.stdout],
    ['secret list output', list.stdout],
    ['config file', readFileSync(home.configPath, 'utf8')],
  ] as const) {
    expect(text.includes(canary), `canary secret leaked into the ${where}`).toBe(false);
  }
  expect(auditText(home)).toContain('"secretName":"canary-token"');
}

describe('broker process', () => {
  it.skipIf(!keychain.available)(
    'injects a keychain secret into the server env and never leaks it (canary)',
    async () => {
      const home = writeBrokerHome(tmp.path, {
        secretStore: { type: 'keychain', service: uniqueKeychainService() },
        servers: {
          canary: fixtureServer({ CANARY: { secret: 'canary-token' }, FIXTURE_STDERR_ENV: 'CANARY' }),
        },
      });
      await canaryRoundTrip(home);
    },
  );

  it('injects a secret from the explicitly chosen encrypted file store and never leaks it (canary)', async () => {
    const home = writeBrokerHome(tmp.path, {
      secretStore: { type: 'encrypted-file' },
      servers: {
        canary: fixtureServer({ CANARY: { secret: 'canary-token' }, FIXTURE_STDERR_ENV: 'CANARY' }),
      },
    });
    await canaryRoundTrip(home, { MCP_AUTH_BROKER_PASSPHRASE: 'correct horse battery staple' });
  });

  it('returns an error naming the server when it crashes mid-call, restarts it, and the next call works', async () => {
    const home = writeBrokerHome(tmp.path, { servers: { flaky: fixtureServer(), steady: fixtureServer() } });
    await serve(home);
    const { client } = await connectThroughShim(home);
    await expect(client.callTool({ name: 'flaky__crash', arguments: {} })).rejects.toThrow(/flaky/);
    const steady = await client.callTool({ name: 'steady__echo', arguments: { text: 'still here' } });
    expect(JSON.stringify(steady.content)).toContain('still here');
    const again = await client.callTool({ name: 'flaky__echo', arguments: { text: 'back' } });
    expect(JSON.stringify(again.content)).toContain('back');
    const status = JSON.parse((await cli(home, ['status', '--json'])).stdout) as {
      servers: { name: string; restarts: number }[];
    };
    expect(status.servers.find((s) => s.name === 'flaky')?.restarts).toBeGreaterThanOrEqual(1);
    expect(auditText(home)).toContain('"type":"server.crash"');
    await client.close();
  });

  it('shows why a server failed to start (stderr tail) in status and in its tools’ errors', async () => {
    const home = writeBrokerHome(tmp.path, {
      servers: { broken: fixtureServer({ FIXTURE_FAIL_START: '1' }) },
    });
    await serve(home);
    const status = await cli(home, ['status']);
    expect(status.stdout).toContain('broken');
    expect(status.stdout).toContain('fatal: bad config');
    const { client } = await connectThroughShim(home);
    await expect(client.callTool({ name: 'broken__echo', arguments: {} })).rejects.toThrow(
      /broken[\s\S]*fatal: bad config/,
    );
    await client.close();
  });

  it('refuses a second serve for the same data dir (one broker per user)', async () => {
    const home = writeBrokerHome(tmp.path, { servers: {} });
    const first = await serve(home);
    await expect(startBroker(home)).rejects.toThrow(/already running[\s\S]*pid/);
    expect((await httpGet(`${first.url}/healthz`)).status).toBe(200);
  });

  it('serves /healthz on loopback and refuses a foreign Host or Origin', async () => {
    const home = writeBrokerHome(tmp.path, { servers: {} });
    const broker = await serve(home);
    const ok = await httpGet(`${broker.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ status: 'ok' });
    const port = new URL(broker.url).port;
    expect((await httpGet(`${broker.url}/healthz`, { host: `evil.example:${port}` })).status).toBe(403);
    expect((await httpGet(`${broker.url}/healthz`, { origin: 'http://evil.example' })).status).toBe(403);
  });

  it('does not start on an invalid config and names the JSON path and the fix', async () => {
    const home = writeBrokerHome(tmp.path, {
      servers: { gh: { command: '', args: 'nope', env: { TOKEN: { secrt: 'x' } } } },
    });
    const check = await cli(home, ['config', 'check']);
    expect(check.code).toBe(78);
    expect(check.stderr).toContain('$.servers.gh.command');
    expect(check.stderr).toContain('$.servers.gh.args');
    expect(check.stderr).toContain('$.servers.gh.env.TOKEN');
    await expect(startBroker(home)).rejects.toThrow(/exited with 78[\s\S]*\$\.servers\.gh\.command/);
    writeFileSync(home.configPath, '{"servers": {,}}');
    const syntax = await cli(home, ['config', 'check']);
    expect(syntax.code).toBe(78);
    expect(syntax.stderr).toMatch(/not valid JSON at line 1, column \d+/);
  });

  it('sets a secret through the running broker (stdin only) and restarts the servers using it', async () => {
    const home = writeBrokerHome(tmp.path, {
      secretStore: { type: 'encrypted-file' },
      servers: { app: fixtureServer({ TOKEN: { secret: 'app-token' } }) },
    });
    const env = { MCP_AUTH_BROKER_PASSPHRASE: 'pw-for-test' };
    await cli(home, ['secret', 'set', 'app-token'], 'first-value', env);
    await serve(home, [], env);
    const tooMany = await cli(home, ['secret', 'set', 'app-token', 'value-on-argv'], '', env);
    expect(tooMany.code).toBe(2);
    const set = await cli(home, ['secret', 'set', 'app-token'], 'second-value\n', env);
    expect(set.stdout).toContain('Restarted: app');
    const { client } = await connectThroughShim(home, env);
    const result = await client.callTool({ name: 'app__env_fingerprint', arguments: { name: 'TOKEN' } });
    expect(JSON.stringify(result.content)).toContain(fingerprint('second-value'));
    await client.close();
    expect(auditText(home)).toContain('"type":"secret.set"');
  });

  it('audit verify passes on the log the broker wrote and fails with the first bad line when one is edited', async () => {
    const home = writeBrokerHome(tmp.path, { servers: { a: fixtureServer() } });
    const broker = await serve(home);
    const { client } = await connectThroughShim(home);
    await client.callTool({ name: 'a__echo', arguments: { text: '1' } });
    await client.close();
    await broker.stop();
    const clean = await cli(home, ['audit', 'verify']);
    expect(clean.code).toBe(0);
    const tail = await cli(home, ['audit', 'tail', '--json', '-n', '50']);
    const types = tail.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).toEqual(
      expect.arrayContaining([
        'broker.start',
        'server.start',
        'client.connect',
        'tool.call',
        'client.disconnect',
        'broker.stop',
      ]),
    );
    const file = join(home.dataDir, 'audit', 'audit.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[2] = lines[2]!.replace('"outcome":"ok"', '"outcome":"error"');
    writeFileSync(file, lines.join('\n'));
    const broken = await cli(home, ['audit', 'verify']);
    expect(broken.code).toBe(4);
    expect(broken.stdout).toContain('line 3');
  });
});

afterEach(async () => {
  await stopBackgroundBroker(join(tmp.path, 'data'));
});
