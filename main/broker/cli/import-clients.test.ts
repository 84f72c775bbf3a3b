import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli, writeBrokerHome } from '../../test-support/broker-process.js';
import { FAKE_TOKENS, writeClientFixtures } from '../../test-support/client-config-fixtures.js';
import { keychainAvailability, uniqueKeychainService } from '../../test-support/keychain.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import { RemoteServerSchema } from '../config/remote-server-config.js';
import { KeychainSecretStore } from '../secrets/keychain-store.js';

const kc = await keychainAvailability();
if (!kc.available) console.warn(`skipping import keychain tests: ${kc.reason}`);

/** Every file under `dir`, read as text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ path, text: readFileSync(path, 'latin1') }));
}

describe.skipIf(!kc.available)(
  'import from every MCP client format, real keychain (14.1–14.4, SEC-8)',
  () => {
    const tmp = makeTempDir();
    const home = join(tmp.path, 'home');
    const project = join(tmp.path, 'project');
    const service = uniqueKeychainService();
    const store = new KeychainSecretStore(service);
    const broker = writeBrokerHome(tmp.path, { servers: {}, secretStore: { type: 'keychain', service } });
    const where = ['--config', broker.configPath, '--data-dir', broker.dataDir, '--project', project];
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
    let files: Record<string, string>;

    beforeAll(() => {
      files = writeClientFixtures(home, project);
    });
    afterAll(async () => {
      for (const name of await store.list()) await store.delete(name);
      tmp.remove();
    });

    it('14.1 `import` with no file lists the client configs present under the home and project dirs', async () => {
      const listed = await runCli(['import', '--json', ...where], { env });
      expect(listed.stderr).toBe('');
      const { files: found } = JSON.parse(listed.stdout) as {
        files: { client: string; path: string; servers: string[] }[];
      };
      expect(found.map((f) => f.path).sort()).toEqual(Object.values(files).sort());
      expect(new Set(found.map((f) => f.client))).toEqual(
        new Set(['claude-desktop', 'claude-code', 'cursor', 'vscode', 'windsurf', 'gemini', 'codex', 'zed']),
      );
      expect(found.find((f) => f.client === 'codex')?.servers).toEqual(['linear-codex', 'supabase']);
      expect(found.find((f) => f.path === files['claudeCodeUser'])?.servers).toEqual([
        'context7',
        'airtable',
      ]);
      const text = await runCli(['import', ...where], { env });
      expect(text.stdout).toContain(`zed             ${files['zed'] ?? ''}`);
    });

    it('14.4 --dry-run shows each server and secret (never a value) and changes nothing', async () => {
      const before = readFileSync(broker.configPath, 'utf8');
      const result = await runCli(['import', '--all', '--dry-run', ...where], { env });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      for (const token of Object.values(FAKE_TOKENS)) expect(result.stdout).not.toContain(token);
      expect(result.stdout).toMatch(/github {2}import\n/);
      expect(result.stdout).toMatch(/sentry {2}convert\n {4}url {5}https:\/\/mcp\.sentry\.dev\/mcp/);
      expect(result.stdout).toContain(
        'secret  github.GITHUB_PERSONAL_ACCESS_TOKEN moves  → keychain "github-GITHUB_PERSONAL_ACCESS_TOKEN" (a GitHub token (gh*_))',
      );
      expect(result.stdout).toContain(
        'command npx -y @modelcontextprotocol/server-postgres postgresql://app:${PASSWORD}@db.example.com:5432/app',
      );
      expect(result.stdout).toContain('note    written for Windows: "cmd /c npx" runs as "npx" here');
      expect(result.stdout).toMatch(/exa {2}skip: its URL holds a secret \(query parameter "exaApiKey"/);
      expect(result.stdout).not.toContain('SLACK_CHANNEL_IDS moves');
      expect(readFileSync(broker.configPath, 'utf8')).toBe(before);
      expect(await store.list()).toEqual([]);
    });

    it('14.1–14.3 imports every format: secrets only in the keychain, remote entries valid, client files untouched', async () => {
      const originals = Object.fromEntries(Object.values(files).map((f) => [f, readFileSync(f, 'utf8')]));
      const result = await runCli(['import', '--all', '--json', ...where], { env });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const outcome = JSON.parse(result.stdout) as {
        imported: string[];
        skipped: { name: string; reason: string }[];
        origins: { server: string; origins: { client: string; file: string; path: string[] }[] }[];
      };
      expect(outcome.skipped.map((s) => s.name)).toEqual(['exa']);
      // 26 entries: the Codex mcp-remote bridge to Linear's SSE URL is the same server as Claude Desktop's `linear`.
      expect(outcome.imported).toHaveLength(25);
      expect(outcome.origins.find((o) => o.server === 'linear')?.origins).toEqual([
        { client: 'claude-desktop', file: files['claudeDesktop'], path: ['mcpServers', 'linear'] },
        { client: 'codex', file: files['codex'], path: ['mcp_servers', 'linear-codex'] },
      ]);
      expect(outcome.origins.find((o) => o.server === 'airtable')?.origins).toEqual([
        {
          client: 'claude-code',
          file: files['claudeCodeUser'],
          path: ['projects', '/work/app', 'mcpServers', 'airtable'],
        },
      ]);

      // No fake token anywhere in the broker config nor the data dir; every moved one is in the keychain.
      const scanned = [
        { path: broker.configPath, text: readFileSync(broker.configPath, 'utf8') },
        ...filesUnder(broker.dataDir),
      ];
      for (const { path, text } of scanned) {
        for (const [kind, token] of Object.entries(FAKE_TOKENS))
          expect(text, `${kind} in ${path}`).not.toContain(token);
      }
      const stored = new Set(await Promise.all((await store.list()).map((n) => store.get(n))));
      for (const [kind, token] of Object.entries(FAKE_TOKENS)) {
        if (kind !== 'exa') expect(stored.has(token), `${kind} in the keychain`).toBe(true);
      }
      expect(stored.has('T01ABCDEF23')).toBe(false);
      for (const [file, text] of Object.entries(originals)) expect(readFileSync(file, 'utf8')).toBe(text);

      const config = JSON.parse(readFileSync(broker.configPath, 'utf8')) as {
        servers: Record<string, Record<string, unknown>>;
      };
      const { servers } = config;
      expect(servers['slack']?.['env']).toEqual({
        SLACK_BOT_TOKEN: { secret: 'slack-SLACK_BOT_TOKEN' },
        SLACK_TEAM_ID: 'T01ABCDEF23',
        SLACK_CHANNEL_IDS: 'C01234567,C07654321',
      });
      expect(servers['sentry']).toEqual({ url: 'https://mcp.sentry.dev/mcp' });
      expect(servers['linear']).toEqual({ url: 'https://mcp.linear.app/sse', transport: 'sse' });
      expect(servers['api']).toEqual({
        url: 'https://api.example.com/mcp',
        auth: { header: 'Authorization', secret: 'api-AUTHORIZATION', template: 'Bearer {secret}' },
      });
      expect(servers['context7']).toMatchObject({
        auth: { header: 'CONTEXT7_API_KEY', secret: 'context7-CONTEXT7_API_KEY' },
      });
      expect(servers['sse-svc']).toEqual({ url: 'https://sse.example.com/sse', transport: 'sse' });
      expect(servers['deepwiki']).toEqual({ url: 'https://mcp.deepwiki.com/mcp' });
      for (const name of [
        'sentry',
        'notion',
        'linear',
        'api',
        'copilot',
        'context7',
        'deepwiki',
        'gh-gemini',
        'sse-svc',
      ]) {
        expect(RemoteServerSchema.safeParse(servers[name]).success, name).toBe(true);
      }
      expect(servers['winmemory']).toMatchObject({
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-memory'],
      });
      expect(servers['postgres']).toEqual({
        command: '/bin/sh',
        args: [
          '-c',
          `exec 'npx' '-y' '@modelcontextprotocol/server-postgres' 'postgresql://app:'"\${PASSWORD}"'@db.example.com:5432/app'`,
          'postgres',
        ],
        env: { PASSWORD: { secret: 'postgres-PASSWORD' } },
      });
      expect(servers['gh-docker']?.['env']).toEqual({
        GITHUB_PERSONAL_ACCESS_TOKEN: { secret: 'gh-docker-GITHUB_PERSONAL_ACCESS_TOKEN' },
      });
      expect(servers['zed-fetch']).toEqual({ command: 'uvx', args: ['mcp-server-fetch'] });
    });

    it('SEC-8 re-import: same values reuse their secrets, nothing is overwritten, broker fields are kept', async () => {
      const edited = JSON.parse(readFileSync(broker.configPath, 'utf8')) as {
        servers: Record<string, Record<string, unknown>>;
      };
      edited.servers['github'] = {
        ...edited.servers['github'],
        tools: { deny: ['delete_repo'] },
        enabled: false,
        prefix: 'octo',
      };
      writeBrokerHome(tmp.path, edited);
      const names = (await store.list()).sort();
      const again = await runCli(['import', files['claudeDesktop'] ?? '', ...where], { env });
      expect(again.stderr).toBe('');
      expect(again.code).toBe(1);
      expect(again.stdout).toContain(
        'skipped  github: a server named "github" is already configured (--update replaces it',
      );
      const updated = await runCli(['import', files['claudeDesktop'] ?? '', '--update', ...where], { env });
      expect(updated.stderr).toBe('');
      expect(updated.stdout).toContain(
        'reused   github: GITHUB_PERSONAL_ACCESS_TOKEN → keychain secret "github-GITHUB_PERSONAL_ACCESS_TOKEN" ("github-GITHUB_PERSONAL_ACCESS_TOKEN" already holds this value)',
      );
      expect((await store.list()).sort()).toEqual(names);
      const config = JSON.parse(readFileSync(broker.configPath, 'utf8')) as {
        servers: Record<string, Record<string, unknown>>;
      };
      expect(config.servers['github']).toMatchObject({
        tools: { deny: ['delete_repo'] },
        enabled: false,
        prefix: 'octo',
      });

      // Another value under a taken name gets a new name; the old value stays.
      writeBrokerHome(tmp.path, config);
      const other = join(tmp.path, 'other.json');
      const newToken = 'ghp_NewTokenZk3f9QmV2xLr7TwYb4Nc8Hd1Jp6Sa';
      const { writeFileSync } = await import('node:fs');
      writeFileSync(
        other,
        JSON.stringify({
          mcpServers: { github: { command: 'npx', env: { GITHUB_PERSONAL_ACCESS_TOKEN: newToken } } },
        }),
      );
      const clash = await runCli(['import', other, '--update', ...where], { env });
      expect(clash.stdout).toContain(
        'moved    github: GITHUB_PERSONAL_ACCESS_TOKEN → keychain secret "github-GITHUB_PERSONAL_ACCESS_TOKEN-2" ("github-GITHUB_PERSONAL_ACCESS_TOKEN" is already used)',
      );
      expect(await store.get('github-GITHUB_PERSONAL_ACCESS_TOKEN')).toBe(FAKE_TOKENS.ghp);
      expect(await store.get('github-GITHUB_PERSONAL_ACCESS_TOKEN-2')).toBe(newToken);
    });

    it('14.4 --no-secret keeps a value as written, --secret moves one detection missed', async () => {
      const other = join(tmp.path, 'choices.json');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(
        other,
        JSON.stringify({
          mcpServers: {
            tool: { command: 'tool-mcp', env: { SESSION_COOKIE: 'my-session', PLAIN: 'opaque-value' } },
          },
        }),
      );
      const dry = await runCli(['import', other, '--dry-run', '--json', ...where], { env });
      expect(dry.stderr).toBe('');
      const plan = JSON.parse(dry.stdout) as { servers: { secrets: { id: string }[] }[] };
      expect(plan.servers[0]?.secrets.map((s) => s.id)).toEqual(['tool.SESSION_COOKIE']);
      const result = await runCli(
        ['import', other, '--no-secret', 'tool.SESSION_COOKIE', '--secret', 'tool.PLAIN', ...where],
        { env },
      );
      expect(result.stderr).toBe('');
      const config = JSON.parse(readFileSync(broker.configPath, 'utf8')) as {
        servers: Record<string, Record<string, unknown>>;
      };
      expect(config.servers['tool']?.['env']).toEqual({
        SESSION_COOKIE: 'my-session',
        PLAIN: { secret: 'tool-PLAIN' },
      });
      expect(await store.get('tool-PLAIN')).toBe('opaque-value');
    });
  },
);
