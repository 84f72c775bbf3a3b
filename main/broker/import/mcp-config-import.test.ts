import { describe, expect, it } from 'vitest';

import { parseMcpServers, secretsOf, serverNameFrom } from './mcp-config-import.js';
import { looksLikeSecret, shannonEntropy } from './secret-detection.js';

describe('secret detection', () => {
  it('treats credential-named variables as secrets, but not obvious settings', () => {
    for (const name of [
      'GITHUB_TOKEN',
      'API_KEY',
      'CLIENT_SECRET',
      'DB_PASSWORD',
      'GITLAB_PAT',
      'AUTH_HEADER',
    ]) {
      expect(looksLikeSecret(name, 'abc'), name).toBe(true);
    }
    expect(looksLikeSecret('API_KEY', 'true')).toBe(false);
    expect(looksLikeSecret('LOG_LEVEL', 'debug')).toBe(false);
    expect(looksLikeSecret('GITHUB_TOKEN', '')).toBe(false);
  });

  it('treats long high-entropy values as secrets whatever their name, but not paths or URLs', () => {
    expect(looksLikeSecret('X', 'q8Fz3LmN0vR7tYp2WcK9sDe4HbG6jA1u')).toBe(true);
    expect(looksLikeSecret('ROOT', '/home/someone/projects/notes-archive')).toBe(false);
    expect(looksLikeSecret('ENDPOINT', 'https://api.example.com/v1/endpoint')).toBe(false);
    expect(looksLikeSecret('GREETING', 'hello world, how are you today')).toBe(false);
    expect(shannonEntropy('aaaa')).toBe(0);
  });
});

describe('parseMcpServers', () => {
  it('reads a Claude Desktop file and plans moving its token to `<server>-<VAR>`', () => {
    const found = parseMcpServers(
      JSON.stringify({
        mcpServers: {
          github: { command: 'npx', args: ['-y', 'gh'], env: { GITHUB_TOKEN: 'ghp_x', LOG_LEVEL: 'info' } },
        },
        globalShortcut: 'Ctrl+Space',
      }),
    );
    expect(found).toEqual([
      {
        name: 'github',
        command: 'npx',
        args: ['-y', 'gh'],
        env: { GITHUB_TOKEN: 'ghp_x', LOG_LEVEL: 'info' },
      },
    ]);
    expect(secretsOf(found[0]!)).toEqual([{ variable: 'GITHUB_TOKEN', secret: 'github-GITHUB_TOKEN' }]);
  });

  it('accepts a pasted `"name": {…}` fragment and a bare entry named after its package', () => {
    expect(parseMcpServers('"notes": {"command": "notes-mcp"},')[0]?.name).toBe('notes');
    const bare = parseMcpServers(
      '{"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@1.2"]}',
    );
    expect(bare[0]?.name).toBe('server-github');
  });

  it('sanitises names to the broker pattern and keeps them unique', () => {
    expect(serverNameFrom('my_server.v2')).toBe('my-server-v2');
    const found = parseMcpServers('{"mcpServers": {"a_b": {"command": "x"}, "a-b": {"command": "y"}}}');
    expect(found.map((f) => f.name)).toEqual(['a-b', 'a-b-2']);
  });

  it('marks remote entries and the broker’s own entry as not importable', () => {
    const found = parseMcpServers(
      JSON.stringify({
        mcpServers: {
          remote: { url: 'https://mcp.example.com/mcp' },
          broker: { command: '/usr/bin/node', args: ['/opt/mab/bin/mcp-auth-broker.js', 'connect'] },
        },
      }),
    );
    expect(found[0]?.problem).toMatch(/remote/);
    expect(found[1]?.problem).toMatch(/the broker itself/);
  });

  it('says how to fix JSON that cannot be read', () => {
    expect(() => parseMcpServers('{"mcpServers": ')).toThrow(/Paste a whole "mcpServers" block/);
  });
});
