import { spawnSync } from 'node:child_process';

import { describe, expect, it } from 'vitest';

import { RemoteServerSchema } from '../config/remote-server-config.js';
import { parseCodexToml } from './codex-format.js';
import { foundServers, serverNameFrom } from './found-server.js';
import { planImport, type PlanOptions } from './import-plan.js';
import { parseJsonClientFile } from './json-client-formats.js';
import { parseMcpServers } from './mcp-config-import.js';

const noSecrets: PlanOptions['secrets'] = {
  list: () => Promise.resolve([]),
  get: () => Promise.resolve(undefined),
};
const plan = (text: string, extra: Partial<PlanOptions> = {}) =>
  planImport(parseMcpServers(text, 'linux'), { existing: new Set(), secrets: noSecrets, ...extra });

describe('client formats (14.1)', () => {
  it('reads pasted fragments and bare entries, names sanitised and unique', () => {
    expect(parseMcpServers('"notes": {"command": "notes-mcp"},')[0]?.name).toBe('notes');
    expect(
      parseMcpServers('{"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@1.2"]}')[0]
        ?.name,
    ).toBe('server-github');
    expect(serverNameFrom('my_server.v2')).toBe('my-server-v2');
    const found = parseMcpServers('{"mcpServers": {"a_b": {"command": "x"}, "a-b": {"command": "y"}}}');
    expect(found.map((f) => f.name)).toEqual(['a-b', 'a-b-2']);
  });

  it('reads VS Code servers + inputs and settings.json "mcp.servers" with comments (JSONC)', () => {
    const entries = parseJsonClientFile(
      '{ // c\n "inputs": [{"id": "tok", "type": "promptString", "password": true}],\n "servers": {"a": {"type": "stdio", "command": "a"},},\n "mcp": {"servers": {"b": {"type": "sse", "url": "https://b.example/sse"}}} }',
      '/home/u/.vscode/mcp.json',
    );
    expect(entries.map((e) => [e.label, e.origin.client, e.origin.path])).toEqual([
      ['a', 'vscode', ['servers', 'a']],
      ['b', 'vscode', ['mcp', 'servers', 'b']],
    ]);
    expect(entries[0]?.passwordInputs?.has('tok')).toBe(true);
  });

  it('reads Claude Code user and per-project servers, Zed context_servers (both shapes) and Codex TOML', () => {
    const claude = parseJsonClientFile(
      JSON.stringify({
        mcpServers: { u: { command: 'u' } },
        projects: { '/p': { mcpServers: { p: { command: 'p' } } } },
      }),
      '/home/u/.claude.json',
    );
    expect(claude.map((e) => e.origin.path)).toEqual([
      ['mcpServers', 'u'],
      ['projects', '/p', 'mcpServers', 'p'],
    ]);
    const zed = parseJsonClientFile(
      '{"context_servers": {"new": {"command": "n", "args": ["1"]}, "old": {"command": {"path": "o", "args": ["2"], "env": {"K": "v"}}}}}',
      '/home/u/.config/zed/settings.json',
    );
    expect(zed.map((e) => [e.origin.client, e.command, e.args, e.env])).toEqual([
      ['zed', 'n', ['1'], {}],
      ['zed', 'o', ['2'], { K: 'v' }],
    ]);
    const codex = parseCodexToml(
      '[mcp_servers.gh]\ncommand = "npx"\nargs = ["-y", "gh"]\nenv = { GITHUB_TOKEN = "x" }\n[mcp_servers.r]\nurl = "https://r.example/mcp"\nbearer_token_env_var = "R_TOKEN"\n',
      '/home/u/.codex/config.toml',
    );
    expect(codex[0]).toMatchObject({
      label: 'gh',
      command: 'npx',
      args: ['-y', 'gh'],
      env: { GITHUB_TOKEN: 'x' },
    });
    expect(codex[1]).toMatchObject({
      url: 'https://r.example/mcp',
      headers: { Authorization: 'Bearer ${R_TOKEN}' },
    });
    expect(() => parseCodexToml('[mcp_servers.x\n', '/c.toml')).toThrow(/not valid TOML \(line 1/);
  });

  it('says how to fix JSON that cannot be read', () => {
    expect(() => parseMcpServers('{"mcpServers": ')).toThrow(/Paste a whole "mcpServers" block/);
  });

  it('14.4 flags the broker itself, Windows paths, and unwraps cmd /c on POSIX', () => {
    const found = foundServers(
      parseJsonClientFile(
        JSON.stringify({
          mcpServers: {
            broker: { command: '/usr/bin/node', args: ['/opt/mab/bin/mcp-auth-broker.js', 'connect'] },
            win: { command: 'cmd', args: ['/c', 'npx', '-y', 'pkg'] },
            npxcmd: { command: 'C:\\Program Files\\nodejs\\npx.cmd', args: ['-y', 'pkg2'] },
            exe: { command: 'C:\\Tools\\server.exe' },
          },
        }),
      ),
      'linux',
    );
    expect(found[0]?.problem).toMatch(/the broker itself/);
    expect(found[1]).toMatchObject({ command: 'npx', args: ['-y', 'pkg'] });
    expect(found[1]?.notes[0]).toMatch(/cmd \/c npx/);
    expect(found[2]).toMatchObject({ command: 'npx', args: ['-y', 'pkg2'] });
    expect(found[3]?.problem).toMatch(/Windows program path/);
  });
});

describe('remote entries become native remote servers (14.2)', () => {
  it('converts mcp-remote (npx, pnpm dlx, bare) with --header ${ENV}, --transport, --static-oauth-client-info', async () => {
    const { servers } = await plan(
      JSON.stringify({
        mcpServers: {
          a: {
            command: 'npx',
            args: [
              '-y',
              'mcp-remote@0.1.29',
              'https://a.example/sse',
              '--transport',
              'sse-only',
              '--header',
              'Authorization: Bearer ${TOKEN}',
            ],
            env: { TOKEN: 'sk-abcdefghijklmnopqrstuvwxyz012345' },
          },
          b: {
            command: 'pnpm',
            args: [
              'dlx',
              'mcp-remote',
              'https://b.example/mcp',
              '--static-oauth-client-info',
              '{"client_id":"cid","client_secret":"cs"}',
              '--allow-http',
              '--resource',
              'https://b.example/',
            ],
          },
          c: {
            command: 'mcp-remote',
            args: ['https://c.example/mcp', '9696', '--header', 'X-Api-Key:${KEY}'],
            env: { KEY: 'k-1234567890abcdefXYZ' },
          },
          d: { type: 'streamable-http', url: 'https://d.example/mcp' },
          e: { command: 'npx', args: ['mcp-remote'] },
        },
      }),
    );
    expect(servers.map((s) => s.action)).toEqual(['convert', 'convert', 'convert', 'convert', 'skip']);
    expect(servers[0]?.entry).toEqual({
      url: 'https://a.example/sse',
      transport: 'sse',
      auth: { header: 'Authorization', secret: 'a-AUTHORIZATION', template: 'Bearer {secret}' },
    });
    expect(servers[1]?.entry).toEqual({ url: 'https://b.example/mcp', clientId: 'cid' });
    expect(servers[1]?.notes.join('\n')).toMatch(
      /client_secret .* not carried over[\s\S]*--allow-http[\s\S]*--resource/,
    );
    expect(servers[2]?.entry).toEqual({
      url: 'https://c.example/mcp',
      auth: { header: 'X-Api-Key', secret: 'c-X_API_KEY' },
    });
    expect(servers[3]?.entry).toEqual({ url: 'https://d.example/mcp' });
    expect(servers[4]?.problem).toMatch(/without a server URL/);
    for (const s of servers.slice(0, 4)) expect(RemoteServerSchema.safeParse(s.entry).success).toBe(true);
    expect(JSON.stringify(servers)).not.toMatch(/sk-abcdefghij|k-1234567890|"cs"/);
  });
});

describe('every secret moves (14.3)', () => {
  it('finds secrets in connection URLs, --flag=value, --flag value and ?api_key=, never shows them', async () => {
    const { servers, values } = await plan(
      JSON.stringify({
        mcpServers: {
          pg: { command: 'npx', args: ['-y', 'server-postgres', 'postgresql://u:pw%21x@db.example.com/app'] },
          cli: {
            command: 'tool',
            args: ['--token=abc123secretvalue', '--api-key', 'plainish', '--verbose', '--tools=all'],
          },
          q: { url: 'https://q.example/mcp?api_key=abcdef123456&region=eu' },
        },
      }),
    );
    expect(servers[0]?.command).toBe('npx -y server-postgres postgresql://u:${PASSWORD}@db.example.com/app');
    expect(servers[0]?.secrets.map((s) => [s.id, s.secret])).toEqual([['pg.args[2]', 'pg-PASSWORD']]);
    expect(servers[1]?.secrets.map((s) => s.variable)).toEqual(['TOKEN', 'API_KEY']);
    expect(servers[2]?.action).toBe('skip');
    expect(servers[2]?.problem).toMatch(/URL holds a secret.*--no-secret q\.url/);
    expect([...values.values()]).toEqual(['pw%21x', 'abc123secretvalue', 'plainish']);
    expect(JSON.stringify(servers)).not.toMatch(/pw%21x|abc123secretvalue|plainish|abcdef123456/);
  });

  it('a secret inside args reaches the program unchanged through /bin/sh, from an env secret', async () => {
    const url = "postgresql://o'neil:p$w'\"d`x@db.example.com/app";
    const { servers } = await plan(
      JSON.stringify({
        mcpServers: {
          echo: { command: process.execPath, args: ['-e', 'process.stdout.write(process.argv[1])', url] },
        },
      }),
    );
    const entry = servers[0]?.entry as { command: string; args: string[]; env: Record<string, unknown> };
    expect(entry.env).toEqual({ PASSWORD: { secret: 'echo-PASSWORD' } });
    expect(entry.args.join(' ')).not.toContain('p$w');
    const run = spawnSync(entry.command, entry.args, { env: { PASSWORD: `p$w'"d\`x` }, encoding: 'utf8' });
    expect(run.stdout).toBe(url);
  });

  it('SEC-8 reuses a stored name holding the same value, suffixes one holding another', async () => {
    const stored = new Map([
      ['gh-GITHUB_TOKEN', 'ghp_sameZk3f9QmV2xLr7TwYb4Nc8Hd1Jp6Sa0U'],
      ['sl-SLACK_BOT_TOKEN', 'other'],
    ]);
    const secrets = {
      list: () => Promise.resolve([...stored.keys()]),
      get: (n: string) => Promise.resolve(stored.get(n)),
    };
    const { servers, values } = await plan(
      JSON.stringify({
        mcpServers: {
          gh: { command: 'x', env: { GITHUB_TOKEN: 'ghp_sameZk3f9QmV2xLr7TwYb4Nc8Hd1Jp6Sa0U' } },
          sl: { command: 'y', env: { SLACK_BOT_TOKEN: 'xoxb-1234567890-abcdefghij' } },
        },
      }),
      { secrets },
    );
    expect(servers[0]?.secrets[0]).toMatchObject({ secret: 'gh-GITHUB_TOKEN', action: 'reuse' });
    expect(servers[1]?.secrets[0]).toMatchObject({
      secret: 'sl-SLACK_BOT_TOKEN-2',
      action: 'move',
      note: '"sl-SLACK_BOT_TOKEN" is already used',
    });
    expect([...values.keys()]).toEqual(['sl-SLACK_BOT_TOKEN-2']);
  });

  it('VS Code password inputs and ${VAR} references become secrets the person sets later', async () => {
    const entries = parseJsonClientFile(
      JSON.stringify({
        inputs: [{ id: 'pat', type: 'promptString', password: true }],
        servers: {
          v: { command: 'v', env: { GH: '${input:pat}', TOKEN: '${env:TOKEN}', ROOT: '${workspaceFolder}' } },
        },
      }),
      '/p/.vscode/mcp.json',
    );
    const { servers } = await planImport(foundServers(entries, 'linux'), {
      existing: new Set(),
      secrets: noSecrets,
    });
    expect(servers[0]?.secrets.map((s) => [s.variable, s.action])).toEqual([
      ['GH', 'set-later'],
      ['TOKEN', 'set-later'],
    ]);
    expect(servers[0]?.entry?.['env']).toEqual({
      GH: { secret: 'v-GH' },
      TOKEN: { secret: 'v-TOKEN' },
      ROOT: '${workspaceFolder}',
    });
  });
});
