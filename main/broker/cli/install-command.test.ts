import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  type BrokerHome,
  fixtureServer,
  runCli,
  startBroker,
  writeBrokerHome,
} from '../../test-support/broker-process.js';
import { makeTempDir } from '../../test-support/temp-dir.js';

const TOKEN = 'ghp_cliInstallPlaintextToken0123456789AB';

let tmp: ReturnType<typeof makeTempDir>;
let home: BrokerHome;
let where: string[];
let env: NodeJS.ProcessEnv;
let claude: string;
let original: string;

/** Every file under `dir` as text (the data dir must hold no readable token). */
function allText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'latin1'))
    .join('\n');
}

beforeEach(() => {
  tmp = makeTempDir();
  home = writeBrokerHome(tmp.path, { servers: {}, secretStore: { type: 'encrypted-file' } });
  where = ['--config', home.configPath, '--data-dir', home.dataDir];
  const user = join(tmp.path, 'home');
  env = {
    MCP_AUTH_BROKER_PASSPHRASE: 'cli-install-test',
    HOME: user,
    XDG_CONFIG_HOME: join(user, '.config'),
  };
  claude = join(user, '.config', 'Claude', 'claude_desktop_config.json');
  mkdirSync(dirname(claude), { recursive: true });
  original = `{
    "globalShortcut": "Alt+Space",
    "mcpServers": {
        "gh": ${JSON.stringify(fixtureServer({ FIXTURE_NAME: 'gh', GITHUB_TOKEN: TOKEN }))}
    }
}
`;
  writeFileSync(claude, original);
});
afterEach(() => tmp.remove());

describe('mcp-auth-broker install / uninstall (14.5, 14.6)', () => {
  it('import, then install: the client file holds only the broker entry, and uninstall restores it', async () => {
    const broker = await startBroker(home, [], env);
    try {
      expect((await runCli(['import', claude, ...where], { env })).code).toBe(0);
      const list = await runCli(['install', '--list', ...where], { env });
      expect(list.stdout).toMatch(/^claude-desktop\s+not installed\s+\S+claude_desktop_config\.json$/m);
      expect(list.stdout).toContain(`Any other MCP client: ${broker.url}/mcp`);

      const install = await runCli(['install', 'claude-desktop', ...where], { env });
      expect(install.stderr).toBe('');
      expect(install.stdout).toContain('Removed gh from it: the broker runs them now.');
      const undoLine = /^Undo with: (.+)$/m.exec(install.stdout)?.[1] ?? '';
      expect(undoLine).toContain(`uninstall claude-desktop ${where.join(' ')}`);
      const installed = readFileSync(claude, 'utf8');
      expect(installed).toContain('\n    "globalShortcut": "Alt+Space",\n');
      expect(installed).not.toContain(TOKEN);
      const entry = (
        JSON.parse(installed) as {
          mcpServers: Record<string, { command: string; args: string[] }>;
        }
      ).mcpServers;
      expect(Object.keys(entry)).toEqual(['broker']);
      // The printed entry reaches this broker, not a second one with the default paths.
      expect(entry['broker']?.args.slice(1)).toEqual(['connect', ...where]);
      expect(allText(home.dataDir)).not.toContain(TOKEN);
      expect(readFileSync(home.configPath, 'utf8')).not.toContain(TOKEN);

      // 14.6: the printed command works as printed, in a shell.
      const undo = spawnSync('sh', ['-c', undoLine], { env: { ...process.env, ...env }, encoding: 'utf8' });
      expect(undo.stdout).toContain('exactly as it was');
      expect(readFileSync(claude, 'utf8')).toBe(original);
    } finally {
      await broker.stop();
    }
  });

  it('works without a running broker, and refuses an unknown client or --via with a usage error', async () => {
    const vscode = join(tmp.path, 'home', '.config', 'Code', 'User', 'mcp.json');
    const install = await runCli(['install', 'vscode', '--via', 'stdio', ...where], { env });
    expect(install.code).toBe(0);
    expect(JSON.parse(readFileSync(vscode, 'utf8'))).toMatchObject({
      servers: {
        broker: { type: 'stdio', args: [expect.stringMatching(/mcp-auth-broker/), 'connect', ...where] },
      },
    });
    expect((await runCli(['uninstall', 'vscode', ...where], { env })).code).toBe(0);
    expect(existsSync(vscode)).toBe(false);

    const unknown = await runCli(['install', 'notepad', ...where], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Name a client: claude-desktop, claude-code, cursor');
    const badVia = await runCli(['install', 'claude-desktop', '--via', 'http', ...where], { env });
    expect(badVia.code).toBe(2);
    expect(badVia.stderr).toContain('Claude Desktop takes the broker only as a stdio entry');
  });
});
