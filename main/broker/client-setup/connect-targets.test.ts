import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { makeTempDir } from '../../test-support/temp-dir.js';
import {
  brokerEntry,
  type ConnectEnv,
  installBrokerEntry,
  isInstalled,
  targetPath,
} from './connect-targets.js';

let tmp: ReturnType<typeof makeTempDir>;
let env: ConnectEnv;
beforeEach(() => {
  tmp = makeTempDir();
  env = { platform: 'linux', env: { XDG_CONFIG_HOME: join(tmp.path, 'cfg') }, home: tmp.path };
});
afterEach(() => tmp.remove());

const entry = { command: '/usr/bin/node', args: ['/opt/mab/bin/mcp-auth-broker.js', 'connect'] };
const now = new Date('2026-01-02T03:04:05.678Z');

describe('connect targets', () => {
  it('knows where Claude Desktop and Cursor keep their config on each OS', () => {
    expect(targetPath('claude-desktop', env)).toBe(
      join(tmp.path, 'cfg', 'Claude', 'claude_desktop_config.json'),
    );
    expect(targetPath('cursor', env)).toBe(join(tmp.path, '.cursor', 'mcp.json'));
    expect(targetPath('claude-desktop', { ...env, platform: 'darwin' })).toContain(
      join('Library', 'Application Support', 'Claude'),
    );
  });

  it('adds --config and --data-dir to the entry only when they are not the defaults', () => {
    const custom = brokerEntry('/cli.js', { configPath: '/c.json', dataDir: '/d' }, env);
    expect(custom.args).toEqual(['/cli.js', 'connect', '--config', '/c.json', '--data-dir', '/d']);
  });

  it('installs the broker entry after a backup, leaving every other entry and field as it was', () => {
    const path = targetPath('claude-desktop', env);
    mkdirSync(join(tmp.path, 'cfg', 'Claude'), { recursive: true });
    const before = { mcpServers: { github: { command: 'npx', env: { A: '1' } } }, theme: 'dark' };
    writeFileSync(path, JSON.stringify(before));
    const result = installBrokerEntry(path, entry, now);
    expect(result.backup).toBe(`${path}.2026-01-02T03-04-05-678Z.bak`);
    expect(JSON.parse(readFileSync(result.backup!, 'utf8'))).toEqual(before);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      mcpServers: { github: before.mcpServers.github, broker: entry },
      theme: 'dark',
    });
    expect(isInstalled(path)).toBe(true);
  });

  it('creates a missing file without a backup', () => {
    const path = targetPath('cursor', env);
    expect(installBrokerEntry(path, entry, now)).toEqual({ path });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ mcpServers: { broker: entry } });
  });

  it('leaves a file that is not valid JSON untouched and says so', () => {
    const path = join(tmp.path, 'bad.json');
    writeFileSync(path, '{"mcpServers": {');
    expect(() => installBrokerEntry(path, entry, now)).toThrow(/left untouched/);
    expect(readFileSync(path, 'utf8')).toBe('{"mcpServers": {');
    expect(readdirSync(tmp.path).filter((f) => f.endsWith('.bak'))).toEqual([]);
  });
});
