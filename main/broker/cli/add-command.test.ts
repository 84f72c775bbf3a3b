import { readFileSync } from 'node:fs';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  type BrokerHome,
  fixtureServer,
  runCli,
  startBroker,
  writeBrokerHome,
} from '../../test-support/broker-process.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import { starterCatalog } from '../catalog/starter-catalog.js';

const env = { MCP_AUTH_BROKER_PASSPHRASE: 'cli-add-test' };
const TOKEN = 'ghp_cliAddPlaintextToken0123456789ABCDEF';

describe('14.7 starter catalog and add / remove', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let home: BrokerHome;
  let where: string[];
  beforeEach(() => {
    tmp = makeTempDir();
    home = writeBrokerHome(tmp.path, { servers: {}, secretStore: { type: 'encrypted-file' } });
    where = ['--config', home.configPath, '--data-dir', home.dataDir];
  });
  afterEach(() => {
    tmp.remove();
  });

  it('ships about fifteen servers, each valid, browsable offline with --list', async () => {
    expect(starterCatalog().length).toBeGreaterThanOrEqual(15);
    const ids = starterCatalog().map((s) => s.id);
    for (const id of ['github', 'slack', 'filesystem', 'postgres', 'sentry', 'notion', 'linear', 'atlassian'])
      expect(ids).toContain(id);
    const list = await runCli(['add', '--list', ...where], { env });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('Personal access token');
    expect(list.stdout).toContain('https://mcp.sentry.dev/mcp');
  });

  it('add github: the token read from stdin goes to the keychain, never the config; names are never taken over', async () => {
    const set = await runCli(['secret', 'set', 'github-GITHUB_PERSONAL_ACCESS_TOKEN', ...where], {
      env,
      input: 'older',
    });
    expect(set.code).toBe(0);
    const add = await runCli(['add', 'github', ...where], { env, input: `${TOKEN}\n` });
    expect(add.stderr).toBe('');
    expect(add.stdout).toContain('Keychain secrets: github-GITHUB_PERSONAL_ACCESS_TOKEN-2.');
    const config = readFileSync(home.configPath, 'utf8');
    expect(config).not.toContain(TOKEN);
    expect(JSON.parse(config)).toMatchObject({
      servers: {
        github: {
          command: 'npx',
          env: { GITHUB_PERSONAL_ACCESS_TOKEN: { secret: 'github-GITHUB_PERSONAL_ACCESS_TOKEN-2' } },
        },
      },
    });
    const again = await runCli(['add', 'github', ...where], { env, input: `${TOKEN}\n` });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('A server named "github" is already configured');
    const missing = await runCli(['add', 'slack', ...where], { env, input: '' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Slack needs "Bot token');
  });

  it('add a command and a URL to a running broker: the server starts at once, remove stops it', async () => {
    const broker = await startBroker(home, [], env);
    try {
      const fixture = fixtureServer({ FIXTURE_NAME: 'fx' });
      const add = await runCli(['add', 'fx', ...where, '--', fixture.command, ...fixture.args], { env });
      expect(add.stderr).toBe('');
      const state = async () => {
        const status = await runCli(['status', '--json', ...where], { env });
        return (JSON.parse(status.stdout) as { servers: { name: string; state: string }[] }).servers.find(
          (s) => s.name === 'fx',
        )?.state;
      };
      await expect.poll(state, { timeout: 10_000 }).toBe('running');
      const remote = await runCli(['add', 'docs', 'https://mcp.example.com/mcp', ...where], { env });
      expect(remote.stdout).toContain('Sign in with:');
      expect(readFileSync(home.configPath, 'utf8')).toContain('https://mcp.example.com/mcp');
      expect((await runCli(['remove', 'fx', ...where], { env })).code).toBe(0);
      expect(await state()).toBeUndefined();
      expect(readFileSync(home.configPath, 'utf8')).not.toContain('"fx"');
    } finally {
      await broker.stop();
    }
  });
});
