import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * MCP client configs of every format the import reads (issue 14.1), written into a temp home and
 * project dir, holding fake credentials of the real shapes (random, valid nowhere).
 */

/** Fake tokens of the real shapes; every one must end up in the keychain only. */
export const FAKE_TOKENS = {
  ghp: 'ghp_Zk3f9QmV2xLr7TwYb4Nc8Hd1Jp6Sa0Ue5GiK',
  ghpZed: 'ghp_Wq9Rt2Yu4Io6Pa8Sd0Fg1Hj3Kl5Zx7Cv9Bn2',
  githubPat: 'github_pat_11ABCDEFG0Zk3f9QmV2xLr_7TwYb4Nc8Hd1Jp6Sa0Ue5GiKwq9',
  gho: 'gho_Qm7Vx2Lr9TwYb4Nc8Hd1Jp6Sa0Ue5GiKzk3f',
  xoxb: 'xoxb-2741963385-5819367214-Zk3f9QmV2xLr7TwYb4Nc8Hd1',
  skVs: 'sk-ant-api03-Hd1Jp6Sa0Ue5GiKZk3f9QmV2xLr7TwYb4Nc8',
  skLive: 'sk_live_51Zk3f9QmV2xLr7TwYb4Nc8Hd1',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmYWtlLXVzZXIifQ.Zk3f9QmV2xLr7TwYb4Nc8Hd1Jp6Sa0Ue5GiKqq',
  akia: 'AKIAZK3F9QMV2XLR7TWY',
  awsSecret: 'wJalrXUtnFEMI9K7MDENG4bPxRfiCYzk3f9QmV2x',
  brave: 'BSAq8Fz3LmN0vR7tYp2WcK9sDe4HbG6jA1u',
  context7: 'ctx7sk-8d2f4a6c-1b3e-4f5a-9c7d-2e4f6a8b0c1d',
  airtable: 'patZk3f9QmV2xLr7.0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9',
  tavily: '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',
  supabase: 'sbp_0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d',
  exa: 'e3b8f1c2-9a7d-4c6e-8b5a-1f2d3c4b5a69Zk3f9Q',
  pgPassword: 'Pg-s3cret-Zk3f9Qm',
  bearer: 'sk-remoteZk3f9QmV2xLr7TwYb4Nc8Hd1Jp6Sa0Ue',
} as const;

const T = FAKE_TOKENS;

function write(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** Writes one config per client under `home` (user files) and `project` (project files); returns their paths. */
export function writeClientFixtures(home: string, project: string): Record<string, string> {
  return {
    claudeDesktop: write(
      join(home, '.config', 'Claude', 'claude_desktop_config.json'),
      json({
        mcpServers: {
          github: {
            command: 'npx',
            args: ['-y', '@modelcontextprotocol/server-github'],
            env: { GITHUB_PERSONAL_ACCESS_TOKEN: T.ghp },
          },
          slack: {
            command: 'npx',
            args: ['-y', '@modelcontextprotocol/server-slack'],
            env: {
              SLACK_BOT_TOKEN: T.xoxb,
              SLACK_TEAM_ID: 'T01ABCDEF23',
              SLACK_CHANNEL_IDS: 'C01234567,C07654321',
            },
          },
          filesystem: {
            command: 'npx',
            args: ['-y', '@modelcontextprotocol/server-filesystem', '/home/someone/Documents'],
          },
          sentry: { command: 'npx', args: ['-y', 'mcp-remote', 'https://mcp.sentry.dev/mcp'] },
          notion: { type: 'http', url: 'https://mcp.notion.com/mcp' },
          linear: { type: 'sse', url: 'https://mcp.linear.app/sse' },
          postgres: {
            command: 'npx',
            args: [
              '-y',
              '@modelcontextprotocol/server-postgres',
              `postgresql://app:${T.pgPassword}@db.example.com:5432/app`,
            ],
          },
          winmemory: { command: 'cmd', args: ['/c', 'npx', '-y', '@modelcontextprotocol/server-memory'] },
          exa: { url: `https://mcp.exa.ai/mcp?exaApiKey=${T.exa}` },
        },
        globalShortcut: 'Ctrl+Space',
      }),
    ),
    cursorUser: write(
      join(home, '.cursor', 'mcp.json'),
      json({
        mcpServers: {
          stripe: { command: 'npx', args: ['-y', '@stripe/mcp', '--tools=all', `--api-key=${T.skLive}`] },
          api: {
            command: 'pnpm',
            args: [
              'dlx',
              'mcp-remote',
              'https://api.example.com/mcp',
              '--header',
              'Authorization:Bearer ${AUTH_TOKEN}',
              '--transport',
              'http-only',
            ],
            env: { AUTH_TOKEN: T.bearer },
          },
        },
      }),
    ),
    cursorProject: write(
      join(project, '.cursor', 'mcp.json'),
      `{\n  // Brave search for this project\n  "mcpServers": {\n    "brave": { "command": "npx", "args": ["-y", "@brave/brave-search-mcp-server"], "env": { "BRAVE_API_KEY": "${T.brave}" } },\n  },\n}\n`,
    ),
    vscodeProject: write(
      join(project, '.vscode', 'mcp.json'),
      `{\n  /* prompted by VS Code */\n  "inputs": [{ "type": "promptString", "id": "gh-token", "description": "GitHub token", "password": true }],\n  "servers": {\n    "gh-docker": { "type": "stdio", "command": "docker", "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server"], "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "\${input:gh-token}" } },\n    "copilot": { "type": "http", "url": "https://api.githubcopilot.com/mcp/", "headers": { "Authorization": "Bearer ${T.gho}" } }\n  }\n}\n`,
    ),
    vscodeUser: write(
      join(home, '.config', 'Code', 'User', 'settings.json'),
      `{\n  "editor.fontSize": 14, // big\n  "mcp": { "servers": { "memory-vs": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"], "env": { "ANTHROPIC_API_KEY": "${T.skVs}" } } } }\n}\n`,
    ),
    claudeCodeUser: write(
      join(home, '.claude.json'),
      json({
        numStartups: 3,
        mcpServers: {
          context7: {
            type: 'http',
            url: 'https://mcp.context7.com/mcp',
            headers: { CONTEXT7_API_KEY: T.context7 },
          },
        },
        projects: {
          '/work/app': {
            mcpServers: {
              airtable: {
                command: 'npx',
                args: ['-y', 'airtable-mcp-server'],
                env: { AIRTABLE_API_KEY: T.airtable },
              },
            },
          },
        },
      }),
    ),
    claudeCodeProject: write(
      join(project, '.mcp.json'),
      json({ mcpServers: { 'jwt-svc': { command: 'node', args: ['server.js', '--token', T.jwt] } } }),
    ),
    windsurf: write(
      join(home, '.codeium', 'windsurf', 'mcp_config.json'),
      json({
        mcpServers: {
          aws: {
            command: 'uvx',
            args: ['awslabs.aws-api-mcp-server@latest'],
            env: { AWS_ACCESS_KEY_ID: T.akia, AWS_SECRET_ACCESS_KEY: T.awsSecret, AWS_REGION: 'eu-west-1' },
          },
          deepwiki: { serverUrl: 'https://mcp.deepwiki.com/mcp' },
        },
      }),
    ),
    gemini: write(
      join(home, '.gemini', 'settings.json'),
      json({
        theme: 'GitHub',
        mcpServers: {
          'gh-gemini': {
            httpUrl: 'https://api.githubcopilot.com/mcp/',
            headers: { Authorization: `Bearer ${T.githubPat}` },
          },
          'sse-svc': { url: 'https://sse.example.com/sse' },
          tavily: { command: 'npx', args: ['-y', 'tavily-mcp'], env: { TAVILY_API_KEY: T.tavily } },
        },
      }),
    ),
    codex: write(
      join(home, '.codex', 'config.toml'),
      [
        'model = "o3"',
        '',
        '[mcp_servers.linear-codex]',
        'command = "npx"',
        'args = ["-y", "mcp-remote", "https://mcp.linear.app/sse", "--transport", "sse-only"]',
        '',
        '[mcp_servers.supabase]',
        'command = "npx"',
        `args = ["-y", "@supabase/mcp-server-supabase@latest", "--access-token", "${T.supabase}"]`,
        '',
        '[mcp_servers.supabase.env]',
        'LOG_LEVEL = "info"',
        '',
      ].join('\n'),
    ),
    zed: write(
      join(home, '.config', 'zed', 'settings.json'),
      `// Zed settings\n{\n  "theme": "One Dark",\n  "context_servers": {\n    "zed-gh": { "source": "custom", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "${T.ghpZed}" } },\n    "zed-fetch": { "command": { "path": "uvx", "args": ["mcp-server-fetch"], "env": {} } },\n  },\n}\n`,
    ),
  };
}
