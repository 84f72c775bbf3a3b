import { describe, expect, it } from 'vitest';

import { editServers, readServers } from './client-file-edit.js';

const jsonc = { format: 'json', serversKey: ['mcpServers'] } as const;
const toml = { format: 'toml', serversKey: ['mcp_servers'] } as const;
const broker = { command: '/usr/bin/node', args: ['/opt/cli.js', 'connect'] };

describe('client file edits keep the rest of the file (14.5)', () => {
  it('JSONC: comments, order and indentation stay; only the named entries change', () => {
    const text = [
      '{',
      '    // my servers',
      '    "theme": "dark", /* keep me */',
      '    "mcpServers": {',
      '        "github": { "command": "npx", "env": { "GITHUB_TOKEN": "ghp_x" } },',
      '        "local": { "command": "./run.sh" }',
      '    }',
      '}',
      '',
    ].join('\n');
    const next = editServers(text, jsonc, 'f.json', { set: { broker }, remove: ['github'] });
    expect(next).toContain('// my servers');
    expect(next).toContain('/* keep me */');
    expect(next).toContain('        "local": { "command": "./run.sh" }');
    expect(next).not.toContain('ghp_x');
    expect(Object.keys(readServers(next, jsonc, 'f.json'))).toEqual(['local', 'broker']);
  });

  it('a missing file or server map is created', () => {
    const next = editServers(undefined, { format: 'json', serversKey: ['servers'] }, 'f', {
      set: { broker },
    });
    expect(JSON.parse(next)).toEqual({ servers: { broker } });
  });

  it('invalid JSON or a server map that is not an object is refused, naming the file', () => {
    expect(() => editServers('{ "mcpServers": ', jsonc, '/x/c.json', { set: { broker } })).toThrow(
      /\/x\/c\.json is not valid JSON, so it was left untouched/,
    );
    expect(() => editServers('{"mcpServers": []}', jsonc, 'c.json', { set: { broker } })).toThrow(
      /"mcpServers" that is not an object/,
    );
  });

  it('TOML: the server tables (and their sub-tables) are replaced; comments elsewhere stay', () => {
    const text = [
      '# Codex settings',
      'model = "o3"',
      '',
      '[mcp_servers.github]',
      'command = "npx"',
      'args = ["-y", "@modelcontextprotocol/server-github"]',
      '',
      '[mcp_servers.github.env]',
      'GITHUB_TOKEN = "ghp_secret"',
      '',
      '[mcp_servers."my.local"]',
      'command = "./run.sh"',
      '',
      '[profiles.work] # a profile',
      'model = "gpt-5"',
      '',
    ].join('\n');
    const next = editServers(text, toml, 'config.toml', { set: { broker }, remove: ['github'] });
    expect(next).toContain('# Codex settings');
    expect(next).toContain('[profiles.work] # a profile');
    expect(next).not.toContain('ghp_secret');
    expect(readServers(next, toml, 'config.toml')).toEqual({ 'my.local': { command: './run.sh' }, broker });
  });

  it('TOML written as an inline table it cannot edit safely is refused, not mangled', () => {
    const text = 'mcp_servers = { github = { command = "npx" } }\n';
    expect(() => editServers(text, toml, 'config.toml', { remove: ['github'] })).toThrow(
      /cannot edit safely/,
    );
  });
});
