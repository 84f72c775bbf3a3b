import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { makeTempDir } from '../../test-support/temp-dir.js';
import { ConfigError, loadConfigFile, parseConfig } from './config-file.js';
import { demoConfig } from './demo-config.js';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => (tmp = makeTempDir()));
afterEach(() => tmp.remove());

function problems(value: unknown): string[] {
  try {
    parseConfig(value, 'test.json');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('config file', () => {
  it('accepts a pasted Claude Desktop entry with secret references and fills defaults', () => {
    const config = parseConfig(
      {
        servers: {
          github: {
            command: 'npx',
            args: ['-y', 'x'],
            env: { GITHUB_TOKEN: { secret: 'github-pat' }, LOG_LEVEL: 'info' },
          },
        },
      },
      'c.json',
    );
    expect(config.servers['github']).toMatchObject({
      enabled: true,
      env: { GITHUB_TOKEN: { secret: 'github-pat' } },
    });
    expect(config.secretStore).toEqual({ type: 'keychain', service: 'mcp-auth-broker' });
  });

  it('names the JSON path of each problem', () => {
    const found = problems({
      servers: {
        bad_name: { command: 'x' },
        ok: { command: 'x', env: { T: 5 }, tools: { allow: ['a'], deny: ['b'] }, extra: 1 },
      },
      secretStore: { type: 'plaintext' },
    });
    expect(found.some((p) => p.startsWith('$.servers.bad_name'))).toBe(true);
    expect(found.some((p) => p.startsWith('$.servers.ok.env.T: must be a string or {"secret"'))).toBe(true);
    expect(found.some((p) => p.startsWith('$.servers.ok.tools'))).toBe(true);
    expect(found.some((p) => p.startsWith('$.servers.ok: unknown field "extra"'))).toBe(true);
    expect(found.some((p) => p.startsWith('$.secretStore'))).toBe(true);
  });

  it('accepts a prefix per server, and refuses prefixes whose names could collide (issue 12 point 4)', () => {
    const stdio = { command: 'x' };
    const remote = { url: 'https://mcp.example.com/mcp' };
    expect(problems({ servers: { only: { ...stdio, prefix: false } } })).toEqual([]);
    expect(problems({ servers: { a: stdio, b: remote, c: { ...stdio, prefix: 'gh_' } } })).toEqual([]);
    const parsed = parseConfig(
      { servers: { a: { ...stdio, prefix: 'x_' }, r: { ...remote, prefix: 'y_' } } },
      'c.json',
    );
    expect(parsed.servers['a']?.prefix).toBe('x_');
    expect(parsed.remoteServers['r']?.prefix).toBe('y_');

    // No prefix is the start of every name: such a server must be the only one.
    expect(problems({ servers: { a: { ...stdio, prefix: false }, b: remote } })).toEqual([
      '$.servers.b.prefix: Servers "a" and "b" could expose the same tool or prompt name: server "a" has no prefix, so any of its names could also be one of "b"\'s. Give one of them a different "prefix" (a server with "prefix": false must be the only server).',
    ]);
    // "gh_" + "_x" and "gh__" + "x" are the same name.
    const found = problems({ servers: { a: { ...stdio, prefix: 'gh_' }, b: { ...stdio, prefix: 'gh__' } } });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('the prefix "gh_" of server "a" starts the prefix "gh__" of server "b"');
    // A custom prefix equal to another server's default one.
    expect(problems({ servers: { gh: stdio, b: { ...stdio, prefix: 'gh__' } } })[0]).toContain('"gh__"');
    expect(problems({ servers: { a: { ...stdio, prefix: '' } } })[0]).toMatch(/^\$\.servers\.a\.prefix/);
    expect(problems({ servers: { a: { ...stdio, prefix: 'has space' } } })[0]).toMatch(
      /^\$\.servers\.a\.prefix/,
    );
  });

  it('reports JSON syntax errors with line and column', () => {
    const file = join(tmp.path, 'c.json');
    writeFileSync(file, '{\n  "servers": {\n    "a": { "command": "x" },\n  }\n}');
    expect(() => loadConfigFile(file)).toThrow(/not valid JSON at line 4, column 3/);
  });

  it('explains a missing file', () => {
    expect(() => loadConfigFile(join(tmp.path, 'missing.json'))).toThrow(/does not exist/);
  });

  it('ships a demo config that validates', () => {
    const config = parseConfig(demoConfig(), 'demo');
    expect(config.servers['demo']?.env['DEMO_TOKEN']).toEqual({ secret: 'demo-token', optional: true });
  });
});
