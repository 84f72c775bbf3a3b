import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  type BrokerHome,
  fixtureServer,
  runCli,
  startBroker,
  writeBrokerHome,
} from '../../test-support/broker-process.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import { EncryptedFileSecretStore } from '../secrets/encrypted-file-store.js';

const env = { MCP_AUTH_BROKER_PASSPHRASE: 'cli-import-test' };
const TOKEN = 'ghp_cliImportPlaintextToken0123456789AB';

let tmp: ReturnType<typeof makeTempDir>;
let home: BrokerHome;
let claude: string;
let where: string[];

beforeEach(() => {
  tmp = makeTempDir();
  home = writeBrokerHome(tmp.path, { servers: {}, secretStore: { type: 'encrypted-file' } });
  where = ['--config', home.configPath, '--data-dir', home.dataDir];
  claude = join(tmp.path, 'claude_desktop_config.json');
  writeFileSync(
    claude,
    JSON.stringify({
      mcpServers: { gh: fixtureServer({ FIXTURE_NAME: 'gh', GITHUB_TOKEN: TOKEN, MODE: 'x' }) },
    }),
  );
});
afterEach(() => tmp.remove());

describe('mcp-auth-broker import', () => {
  it('moves the plaintext token into the secret store and says so (no broker running)', async () => {
    const result = await runCli(['import', claude, ...where], { env });
    expect(result.stderr).not.toContain('Error');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('imported gh');
    expect(result.stdout).toContain('moved    gh: GITHUB_TOKEN → keychain secret "gh-GITHUB_TOKEN"');
    const config = readFileSync(home.configPath, 'utf8');
    expect(config).not.toContain(TOKEN);
    expect(JSON.parse(config)).toMatchObject({
      servers: { gh: { env: { GITHUB_TOKEN: { secret: 'gh-GITHUB_TOKEN' }, MODE: 'x' } } },
    });
    const list = await runCli(['secret', 'list', ...where], { env });
    expect(list.stdout).toContain('gh-GITHUB_TOKEN');
    expect(readFileSync(join(home.dataDir, 'secrets.enc.json'), 'utf8')).not.toContain(TOKEN);
    expect(readFileSync(claude, 'utf8')).toContain(TOKEN); // the source file is never modified
  });

  it('goes through a running broker, which starts the imported server', async () => {
    const broker = await startBroker(home, [], env);
    try {
      const result = await runCli(['import', claude, '--json', ...where], { env });
      expect(JSON.parse(result.stdout)).toEqual({
        imported: ['gh'],
        skipped: [],
        moved: [
          {
            server: 'gh',
            variable: 'GITHUB_TOKEN',
            secret: 'gh-GITHUB_TOKEN',
            id: 'gh.GITHUB_TOKEN',
            action: 'move',
          },
        ],
        origins: [
          { server: 'gh', origins: [{ client: 'claude-desktop', file: claude, path: ['mcpServers', 'gh'] }] },
        ],
      });
      const status = await runCli(['status', '--json', ...where], { env });
      expect(status.stdout).toContain('"gh"');
      const again = await runCli(['import', claude, ...where], { env });
      expect(again.code).toBe(1);
      expect(again.stdout).toContain('skipped  gh: a server named "gh" is already configured');
    } finally {
      await broker.stop();
    }
  });

  it('SEC-8 never overwrites an existing secret nor gives two variables one secret name; the output says so', async () => {
    const set = await runCli(['secret', 'set', 'gh-GITHUB_TOKEN', ...where], { env, input: 'older-value' });
    expect(set.code).toBe(0);
    // Secret names are cut at 128 characters: two long variable names with one prefix meet there.
    const long = `${'VERY_LONG_'.repeat(13)}TOKEN`;
    const cut = `gh-${long}`.slice(0, 128);
    writeFileSync(
      claude,
      JSON.stringify({
        mcpServers: {
          gh: fixtureServer({
            FIXTURE_NAME: 'gh',
            GITHUB_TOKEN: TOKEN,
            [`${long}_ONE`]: 'first-secret-value',
            [`${long}_TWO`]: 'second-secret-value',
          }),
        },
      }),
    );
    const result = await runCli(['import', claude, ...where], { env });
    expect(result.stderr).not.toContain('Error');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'moved    gh: GITHUB_TOKEN → keychain secret "gh-GITHUB_TOKEN-2" ("gh-GITHUB_TOKEN" is already used)',
    );
    expect(result.stdout).toContain(`moved    gh: ${long}_ONE → keychain secret "${cut}"\n`);
    const second = `${cut.slice(0, 126)}-2`;
    expect(result.stdout).toContain(
      `moved    gh: ${long}_TWO → keychain secret "${second}" ("${cut}" is already used)`,
    );
    const store = new EncryptedFileSecretStore({
      path: join(home.dataDir, 'secrets.enc.json'),
      passphrase: env.MCP_AUTH_BROKER_PASSPHRASE,
    });
    expect(await store.get('gh-GITHUB_TOKEN')).toBe('older-value');
    expect(await store.get('gh-GITHUB_TOKEN-2')).toBe(TOKEN);
    expect(await store.get(cut)).toBe('first-secret-value');
    expect(await store.get(second)).toBe('second-secret-value');
    expect(JSON.parse(readFileSync(home.configPath, 'utf8'))).toMatchObject({
      servers: {
        gh: {
          env: {
            GITHUB_TOKEN: { secret: 'gh-GITHUB_TOKEN-2' },
            [`${long}_ONE`]: { secret: cut },
            [`${long}_TWO`]: { secret: second },
          },
        },
      },
    });
  });

  it('"ui" prints a one-time login link of the running broker, and says how to start one otherwise', async () => {
    const none = await runCli(['ui', ...where], { env });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('The broker is not running');
    const broker = await startBroker(home, [], env);
    try {
      const result = await runCli(['ui', ...where], { env });
      expect(result.stdout.trim()).toMatch(new RegExp(`^${broker.url}/ui/login\\?token=[\\w-]{43}$`));
    } finally {
      await broker.stop();
    }
  });
});
