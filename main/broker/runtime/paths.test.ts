import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { dataDirPath, defaultConfigPath, defaultDataDir, runtimePaths } from './paths.js';

describe('default locations per OS', () => {
  it('uses the XDG dirs on Linux, falling back to ~/.config and ~/.local/share', () => {
    const xdg = {
      platform: 'linux' as const,
      home: '/home/ada',
      env: { XDG_CONFIG_HOME: '/x/cfg', XDG_DATA_HOME: '/x/data' },
    };
    expect(defaultConfigPath(xdg)).toBe('/x/cfg/mcp-auth-broker/config.json');
    expect(defaultDataDir(xdg)).toBe('/x/data/mcp-auth-broker');
    const bare = {
      platform: 'linux' as const,
      home: '/home/ada',
      env: { XDG_CONFIG_HOME: 'relative/ignored' },
    };
    expect(defaultConfigPath(bare)).toBe('/home/ada/.config/mcp-auth-broker/config.json');
    expect(defaultDataDir(bare)).toBe('/home/ada/.local/share/mcp-auth-broker');
  });

  it('uses Application Support on macOS', () => {
    const mac = { platform: 'darwin' as const, home: '/Users/ada', env: {} };
    expect(defaultConfigPath(mac)).toBe('/Users/ada/Library/Application Support/MCP Auth Broker/config.json');
    expect(defaultDataDir(mac)).toBe('/Users/ada/Library/Application Support/MCP Auth Broker/data');
  });

  it('keeps Unix socket paths short enough, moving them to the private runtime dir when needed', () => {
    const short = runtimePaths('/home/ada/.local/share/mcp-auth-broker', 'linux');
    expect(short.mcpSocket).toBe('/home/ada/.local/share/mcp-auth-broker/run/mcp.sock');
    const deep = `/home/ada/${'deep/'.repeat(30)}data`;
    const long = runtimePaths(deep, 'linux', { XDG_RUNTIME_DIR: '/run/user/1000' });
    expect(long.controlSocket.length).toBeLessThanOrEqual(100);
    expect(long.mcpSocket).toMatch(/^\/run\/user\/1000\/mcp-auth-broker\/[0-9a-f]{12}\/mcp\.sock$/);
    expect(runtimePaths(deep, 'linux', { XDG_RUNTIME_DIR: '/run/user/1000' })).toEqual(long);
    // Never a predictable folder in the shared temp dir: without a record or XDG_RUNTIME_DIR, no broker.
    expect(runtimePaths(deep, 'linux', {}).runDir).toBe(`${deep}/run`);
    expect(runtimePaths('C:\\Users\\ada\\data', 'win32').mcpSocket).toMatch(
      /^\\\\\.\\pipe\\mcp-auth-broker-.*-mcp$/,
    );
  });
});

describe('data dir layout', () => {
  it('keeps every file and folder at the path existing installations use', () => {
    const dir = '/data';
    expect(dataDirPath(dir, 'audit')).toBe(join(dir, 'audit'));
    expect(dataDirPath(dir, 'authzState')).toBe(join(dir, 'authz', 'authz-state.enc.json'));
    expect(dataDirPath(dir, 'providerAccounts')).toBe(join(dir, 'providers', 'accounts.json'));
    expect(dataDirPath(dir, 'secretsFile')).toBe(join(dir, 'secrets.enc.json'));
    expect(dataDirPath(dir, 'lock')).toBe(join(dir, 'broker.lock'));
    expect(dataDirPath(dir, 'backgroundLog')).toBe(join(dir, 'broker.log'));
    expect(dataDirPath(dir, 'runDir')).toBe(join(dir, 'run'));
    expect(dataDirPath(dir, 'runtimeRecord')).toBe(join(dir, 'runtime-dir'));
  });
});
