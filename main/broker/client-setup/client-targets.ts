import { join } from 'node:path';

import type { ConnectTarget as ClientId } from '../../contract/window-api.js';
import type { BrokerEndpoints, ConnectEnv } from './connect-env.js';

/**
 * The MCP clients the broker installs itself into: where each keeps its server list, in which
 * format, and the entry it understands best — the stdio shim (`connect`, which also starts the
 * broker when none runs) or the loopback `/mcp` URL, where the client signs in with OAuth.
 */

export type ClientFileFormat = 'json' | 'toml';
export type BrokerVia = 'stdio' | 'http';

export interface ClientTarget {
  id: ClientId;
  label: string;
  format: ClientFileFormat;
  /** Path of the server map inside the file, e.g. `["mcpServers"]`. */
  serversKey: readonly string[];
  /** The entry kind this client handles best (stdio where it has no OAuth for remote servers). */
  via: BrokerVia;
  /** The kinds it accepts at all. */
  accepts: readonly BrokerVia[];
  path: (env: ConnectEnv) => string;
  entry: (via: BrokerVia, endpoints: BrokerEndpoints) => Record<string, unknown>;
}

/** `%APPDATA%`, `~/Library/Application Support` or `$XDG_CONFIG_HOME` (default `~/.config`). */
function appConfigDir(p: ConnectEnv): string {
  if (p.platform === 'darwin') return join(p.home, 'Library', 'Application Support');
  if (p.platform === 'win32') return p.env['APPDATA'] ?? join(p.home, 'AppData', 'Roaming');
  const xdg = p.env['XDG_CONFIG_HOME'];
  return xdg && xdg.startsWith('/') ? xdg : join(p.home, '.config');
}

const stdio = (e: BrokerEndpoints) => ({ command: e.command, args: e.args });
const BOTH = ['stdio', 'http'] as const;

export const CLIENT_TARGETS: readonly ClientTarget[] = [
  {
    id: 'claude-desktop',
    label: 'Claude Desktop',
    ...{ format: 'json', serversKey: ['mcpServers'], via: 'stdio', accepts: ['stdio'] },
    path: (p) => join(appConfigDir(p), 'Claude', 'claude_desktop_config.json'),
    entry: (_via, e) => stdio(e),
  },
  {
    id: 'claude-code',
    label: 'Claude Code',
    ...{ format: 'json', serversKey: ['mcpServers'], via: 'http', accepts: BOTH },
    path: (p) => join(p.home, '.claude.json'),
    entry: (via, e) => (via === 'http' ? { type: 'http', url: e.mcpUrl } : { type: 'stdio', ...stdio(e) }),
  },
  {
    id: 'cursor',
    label: 'Cursor',
    ...{ format: 'json', serversKey: ['mcpServers'], via: 'http', accepts: BOTH },
    path: (p) => join(p.home, '.cursor', 'mcp.json'),
    entry: (via, e) => (via === 'http' ? { url: e.mcpUrl } : stdio(e)),
  },
  {
    id: 'vscode',
    label: 'VS Code',
    ...{ format: 'json', serversKey: ['servers'], via: 'http', accepts: BOTH },
    path: (p) => join(appConfigDir(p), 'Code', 'User', 'mcp.json'),
    entry: (via, e) => (via === 'http' ? { type: 'http', url: e.mcpUrl } : { type: 'stdio', ...stdio(e) }),
  },
  {
    id: 'windsurf',
    label: 'Windsurf',
    ...{ format: 'json', serversKey: ['mcpServers'], via: 'stdio', accepts: BOTH },
    path: (p) => join(p.home, '.codeium', 'windsurf', 'mcp_config.json'),
    entry: (via, e) => (via === 'http' ? { serverUrl: e.mcpUrl } : stdio(e)),
  },
  {
    id: 'gemini',
    label: 'Gemini CLI',
    ...{ format: 'json', serversKey: ['mcpServers'], via: 'stdio', accepts: BOTH },
    path: (p) => join(p.home, '.gemini', 'settings.json'),
    entry: (via, e) => (via === 'http' ? { httpUrl: e.mcpUrl } : stdio(e)),
  },
  {
    id: 'codex',
    label: 'Codex',
    ...{ format: 'toml', serversKey: ['mcp_servers'], via: 'stdio', accepts: ['stdio'] },
    path: (p) => join(p.env['CODEX_HOME'] ?? join(p.home, '.codex'), 'config.toml'),
    entry: (_via, e) => stdio(e),
  },
  {
    id: 'zed',
    label: 'Zed',
    ...{ format: 'json', serversKey: ['context_servers'], via: 'stdio', accepts: ['stdio'] },
    path: (p) =>
      p.platform === 'win32'
        ? join(appConfigDir(p), 'Zed', 'settings.json')
        : join(p.home, '.config', 'zed', 'settings.json'),
    entry: (_via, e) => ({ source: 'custom', ...stdio(e), env: {} }),
  },
];

export function clientTarget(id: ClientId): ClientTarget {
  const target = CLIENT_TARGETS.find((t) => t.id === id);
  if (!target) throw new Error(`unknown client ${id}`);
  return target;
}
