import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { parse as parseToml } from 'smol-toml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { memorySecretStore } from '../../test-support/memory-secret-store.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import { BACKUPS_KEPT } from './client-backups.js';
import { createClientSetup } from './client-setup.js';
import { CLIENT_TARGETS } from './client-targets.js';
import { recordImport } from './import-provenance.js';

const FAKE_TOKEN = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
let tmp: ReturnType<typeof makeTempDir>;
let clock: { now: () => number };
let setup: ReturnType<typeof createClientSetup>;
let brokerServers: Set<string>;
const dataDir = () => join(tmp.path, 'data');
const claudeFile = () => join(tmp.path, 'cfg', 'Claude', 'claude_desktop_config.json');

const CLAUDE_CONFIG = `{
  "globalShortcut": "Ctrl+Space",
  "mcpServers": {
    "github": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github"],
      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "${FAKE_TOKEN}" }
    },
    "notes": { "command": "/opt/notes-server" }
  }
}
`;

function writeClient(path: string, text: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, { mode });
}

/** Every file under `dir`, as text. */
function allText(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

beforeEach(() => {
  tmp = makeTempDir();
  let t = Date.parse('2026-12-03T10:00:00Z');
  clock = { now: () => (t += 1000) };
  brokerServers = new Set(['github']);
  setup = createClientSetup({
    ...{ cliScript: '/opt/mab/bin/mcp-auth-broker.js', configPath: join(tmp.path, 'config.json') },
    ...{ dataDir: dataDir(), store: memorySecretStore(), clock, brokerUrl: () => 'http://127.0.0.1:47821' },
    brokerServers: () => brokerServers,
    env: { platform: 'linux', env: { XDG_CONFIG_HOME: join(tmp.path, 'cfg') }, home: tmp.path },
  });
});
afterEach(() => tmp.remove());

describe('install into a client and restore (14.5)', () => {
  it('replaces the imported entries, keeps a sealed 0600 backup, and restores the exact bytes', async () => {
    writeClient(claudeFile(), CLAUDE_CONFIG, 0o644);
    recordImport(dataDir(), claudeFile(), { github: 'github' });
    expect(setup.info().targets.find((t) => t.id === 'claude-desktop')?.moved).toEqual(['github']);

    const result = await setup.install({ client: 'claude-desktop' });
    expect(result.removed).toEqual(['github']);
    const after = readFileSync(claudeFile(), 'utf8');
    expect(after).not.toContain(FAKE_TOKEN);
    expect(after).toContain('"globalShortcut": "Ctrl+Space"');
    const parsed = JSON.parse(after) as { mcpServers: Record<string, unknown> };
    expect(Object.keys(parsed.mcpServers)).toEqual(['notes', 'broker']);
    expect(parsed.mcpServers['broker']).toEqual({
      command: process.execPath,
      args: [
        '/opt/mab/bin/mcp-auth-broker.js',
        'connect',
        '--config',
        join(tmp.path, 'config.json'),
        '--data-dir',
        dataDir(),
      ],
    });
    expect(statSync(claudeFile()).mode & 0o777).toBe(0o644);

    // The backup is sealed: no readable token anywhere in the data dir.
    expect(result.backup).toBeDefined();
    expect(statSync(result.backup ?? '').mode & 0o777).toBe(0o600);
    expect(statSync(dirname(result.backup ?? '')).mode & 0o777).toBe(0o700);
    expect(allText(dataDir())).not.toContain(FAKE_TOKEN);
    expect(allText(dataDir())).not.toContain('GITHUB_PERSONAL_ACCESS_TOKEN');

    const restored = await setup.uninstall('claude-desktop');
    expect(restored).toMatchObject({ restored: 'exact', returned: ['github'] });
    expect(readFileSync(claudeFile(), 'utf8')).toBe(CLAUDE_CONFIG);
    expect(statSync(claudeFile()).mode & 0o777).toBe(0o644);
  });

  it('keeps the entries when asked, and without an import from that file', async () => {
    writeClient(claudeFile(), CLAUDE_CONFIG);
    expect((await setup.install({ client: 'claude-desktop' })).removed).toEqual([]);
    recordImport(dataDir(), claudeFile(), { github: 'github' });
    expect((await setup.install({ client: 'claude-desktop', removeImported: false })).removed).toEqual([]);
    expect(readFileSync(claudeFile(), 'utf8')).toContain(FAKE_TOKEN);
  });

  it('an entry that was imported but is gone from the broker stays in the client', async () => {
    writeClient(claudeFile(), CLAUDE_CONFIG);
    recordImport(dataDir(), claudeFile(), { github: 'github' });
    brokerServers = new Set();
    expect((await setup.install({ client: 'claude-desktop' })).removed).toEqual([]);
  });

  it('installing twice and restoring gives back the file from before the first install', async () => {
    writeClient(claudeFile(), CLAUDE_CONFIG);
    recordImport(dataDir(), claudeFile(), { github: 'github' });
    await setup.install({ client: 'claude-desktop' });
    await setup.install({ client: 'claude-desktop' });
    expect(await setup.uninstall('claude-desktop')).toMatchObject({ restored: 'exact' });
    expect(readFileSync(claudeFile(), 'utf8')).toBe(CLAUDE_CONFIG);
  });

  it('a file the client changed since is merged back: its changes stay, ours are undone', async () => {
    writeClient(claudeFile(), CLAUDE_CONFIG);
    recordImport(dataDir(), claudeFile(), { github: 'github' });
    await setup.install({ client: 'claude-desktop' });
    const changed = JSON.parse(readFileSync(claudeFile(), 'utf8')) as Record<string, unknown>;
    writeClient(claudeFile(), JSON.stringify({ ...changed, globalShortcut: 'Alt+Space' }, null, 2));
    expect(await setup.uninstall('claude-desktop')).toMatchObject({
      restored: 'merged',
      returned: ['github'],
    });
    const back = JSON.parse(readFileSync(claudeFile(), 'utf8')) as {
      globalShortcut: string;
      mcpServers: Record<string, unknown>;
    };
    expect(back.globalShortcut).toBe('Alt+Space');
    expect(Object.keys(back.mcpServers).sort()).toEqual(['github', 'notes']);
  });

  it('a file the install created is removed again; only a few backups are kept', async () => {
    for (let i = 0; i < BACKUPS_KEPT + 3; i += 1) {
      writeClient(claudeFile(), CLAUDE_CONFIG.replace('Ctrl', `Ctrl${String(i)}`));
      await setup.install({ client: 'claude-desktop' });
    }
    expect(readdirSync(join(dataDir(), 'client-backups', 'claude-desktop'))).toHaveLength(BACKUPS_KEPT);
    const cursor = join(tmp.path, '.cursor', 'mcp.json');
    await setup.install({ client: 'cursor' });
    expect(JSON.parse(readFileSync(cursor, 'utf8'))).toEqual({
      mcpServers: { broker: { url: 'http://127.0.0.1:47821/mcp' } },
    });
    await setup.uninstall('cursor');
    expect(existsSync(cursor)).toBe(false);
  });

  it('uninstall with nothing installed says so', async () => {
    await expect(setup.uninstall('zed')).rejects.toThrow(/not installed in Zed/);
  });

  it('every offered client gets an entry its own format and shape understand', async () => {
    expect(CLIENT_TARGETS.map((t) => t.id)).toEqual([
      ...['claude-desktop', 'claude-code', 'cursor', 'vscode', 'windsurf', 'gemini', 'codex', 'zed'],
    ]);
    for (const target of CLIENT_TARGETS) {
      const { path } = await setup.install({ client: target.id });
      const text = readFileSync(path, 'utf8');
      const doc = (target.format === 'toml' ? parseToml(text) : JSON.parse(text)) as Record<string, unknown>;
      const servers = target.serversKey.reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], doc);
      const entry = (servers as Record<string, Record<string, unknown>>)['broker'];
      if (target.via === 'http') expect(JSON.stringify(entry)).toContain('http://127.0.0.1:47821/mcp');
      else expect(entry?.['args']).toContain('connect');
    }
    expect(setup.info().targets.every((t) => t.installed)).toBe(true);
  });
});
