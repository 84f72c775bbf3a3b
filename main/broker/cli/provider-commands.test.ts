import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import {
  type BrokerHome,
  CLI,
  fixtureServer,
  runCli,
  type RunningBroker,
  startBroker,
  writeBrokerHome,
} from '../../test-support/broker-process.js';
import { actAsPerson } from '../../test-support/oauth-person.js';
import {
  type OidcTestProvider,
  startOidcTestProvider,
  TEST_CLIENT_ID,
  TEST_RESOURCE,
  TEST_SCOPES,
} from '../../test-support/oidc-test-provider.js';
import { makeTempDir } from '../../test-support/temp-dir.js';

const ENV = { MCP_AUTH_BROKER_PASSPHRASE: 'provider-cli-test-pass' };

describe('login / tokens / logout through the one running broker (real processes, real oidc-provider)', () => {
  const dir = makeTempDir();
  let as: OidcTestProvider;
  let home: BrokerHome;
  let broker: RunningBroker;
  const cli = (...args: string[]) =>
    runCli([...args, '--config', home.configPath, '--data-dir', home.dataDir], { env: ENV });

  beforeAll(async () => {
    as = await startOidcTestProvider();
    home = writeBrokerHome(dir.path, {
      providers: {
        corp: { issuer: as.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES, resource: TEST_RESOURCE },
      },
      servers: { api: fixtureServer({ TOKEN: { provider: 'corp' } }) },
      secretStore: { type: 'encrypted-file' },
    });
    broker = await startBroker(home, [], ENV);
  });
  afterAll(async () => {
    await broker.stop();
    await as.close();
    dir.remove();
  });

  it('a server needing an account that is not signed in fails with the login command', async () => {
    const status = await cli('status', '--json');
    // 14.6: the printed command reaches this broker (its --config and --data-dir are not the defaults).
    expect(status.stdout).toMatch(
      /Provider \\"corp\\".*Run: \S+ \S+mcp-auth-broker\.js login corp --config \S+ --data-dir /,
    );
  });

  it('CL-9 login --device --json streams events from the broker, then the waiting server starts', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'login', 'corp', '--device', '--json', '--config', home.configPath, '--data-dir', home.dataDir],
      { env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const events: { event: string; userCode?: string; verificationUriComplete?: string }[] = [];
    const person: Promise<unknown>[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as (typeof events)[number];
      events.push(event);
      if (event.event === 'device_code') {
        person.push(actAsPerson(event.verificationUriComplete ?? '', { userCode: event.userCode ?? '' }));
      }
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    await Promise.all(person);
    expect(code).toBe(0);
    expect(events.map((e) => e.event)).toEqual(['device_code', 'success']);
    const polls = as.tokenRequests('urn:ietf:params:oauth:grant-type:device_code');
    expect(polls.length).toBeGreaterThanOrEqual(1);
    // Live rotation on sign-in: the server that was waiting for the account now runs.
    await vi.waitFor(
      async () => {
        const status = JSON.parse((await cli('status', '--json')).stdout) as { servers: { state: string }[] };
        expect(status.servers[0]?.state).toBe('running');
      },
      { timeout: 5_000, interval: 100 },
    );
  }, 60_000);

  it('tokens lists the account with masked tokens only', async () => {
    const result = await cli('tokens', '--json');
    expect(result.code).toBe(0);
    const [account] = JSON.parse(result.stdout) as { account: string; status: string; accessToken: string }[];
    expect(account).toMatchObject({ account: 'corp', status: 'ok' });
    expect(account?.accessToken).toMatch(/^.{4}…\(\d+ chars\)$/);
    expect(result.stdout).not.toMatch(/eyJ[\w-]+\.[\w-]+\./); // no JWT anywhere
  });

  it('CL-11 logout revokes at the provider through the broker', async () => {
    const result = await cli('logout', 'corp');
    expect(result.stdout).toContain('Signed out of corp: revoked at the provider; local tokens deleted.');
    expect(as.requests.some((r) => r.path === '/token/revocation' && r.status === 200)).toBe(true);
    expect(JSON.parse((await cli('tokens', '--json')).stdout)).toEqual([]);
    const audit = await cli('audit', 'tail', '--json', '-n', '50');
    for (const type of ['provider.signin', 'server.credential', 'provider.signout']) {
      expect(audit.stdout).toContain(`"${type}"`);
    }
    expect(audit.stdout).toContain('provider:corp:default');
  });

  it('login names an unknown provider and the configured ones', async () => {
    const result = await cli('login', 'nope', '--device');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No provider "nope" in the config (configured: corp)');
  });
});

describe('provider commands without a broker (the CLI acts itself, holding the lock)', () => {
  it('tokens and logout work locally and say what they did', async () => {
    const dir = makeTempDir();
    try {
      const home = writeBrokerHome(dir.path, {
        providers: { github: { preset: 'github', clientId: 'Iv1.test' } },
        secretStore: { type: 'encrypted-file' },
      });
      const args = ['--config', home.configPath, '--data-dir', home.dataDir];
      const tokens = await runCli(['tokens', ...args], { env: ENV });
      expect(tokens.stdout).toContain(
        `(no provider accounts; sign in with "${process.execPath} ${CLI} login <provider> ${args.join(' ')}")`,
      );
      const logout = await runCli(['logout', 'github:work', ...args], { env: ENV });
      expect(logout.code).toBe(0);
      expect(logout.stdout).toContain('Signed out of github:work');
      expect(logout.stdout).toContain('no local tokens were stored');
    } finally {
      dir.remove();
    }
  });
});
