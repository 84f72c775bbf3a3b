import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { writeFileAtomic } from '../base/atomic-file.js';
import { BrokerError } from '../base/errors.js';
import { defaultConfigPath, defaultDataDir } from '../runtime/paths.js';

/**
 * Pointing MCP clients at the broker: the `mcpServers.broker` entry for Claude Desktop's
 * `claude_desktop_config.json` and Cursor's `~/.cursor/mcp.json`, as a snippet to copy or installed
 * into the file (backup first, atomic write, every other entry left exactly as it was).
 */

export type ConnectTargetId = 'claude-desktop' | 'cursor';

/** The name of the entry the broker owns in a client's config. */
export const BROKER_ENTRY = 'broker';

export interface ConnectEnv {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
}

export const currentConnectEnv = (): ConnectEnv => ({
  platform: process.platform,
  env: process.env,
  home: homedir(),
});

/** Where each client keeps its MCP server list. */
export function targetPath(id: ConnectTargetId, p: ConnectEnv): string {
  if (id === 'cursor') return join(p.home, '.cursor', 'mcp.json');
  if (p.platform === 'darwin') {
    return join(p.home, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json');
  }
  if (p.platform === 'win32') {
    return join(
      p.env['APPDATA'] ?? join(p.home, 'AppData', 'Roaming'),
      'Claude',
      'claude_desktop_config.json',
    );
  }
  const xdg = p.env['XDG_CONFIG_HOME'];
  const base = xdg && xdg.startsWith('/') ? xdg : join(p.home, '.config');
  return join(base, 'Claude', 'claude_desktop_config.json');
}

/** The stdio entry: absolute node + CLI paths (clients do not use the shell's PATH). */
export function brokerEntry(
  cliScript: string,
  where: { configPath: string; dataDir: string },
  p: ConnectEnv,
): { command: string; args: string[] } {
  const args = [cliScript, 'connect'];
  const platform = { platform: p.platform, env: p.env, home: p.home };
  if (where.configPath !== defaultConfigPath(platform)) args.push('--config', where.configPath);
  if (where.dataDir !== defaultDataDir(platform)) args.push('--data-dir', where.dataDir);
  return { command: process.execPath, args };
}

/** The snippet to paste: `{"mcpServers": {"broker": {…}}}`. */
export function connectSnippet(entry: { command: string; args: string[] }): string {
  return JSON.stringify({ mcpServers: { [BROKER_ENTRY]: entry } }, null, 2);
}

function readClientConfig(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    throw new BrokerError(
      'CLIENT_CONFIG_INVALID',
      `${path} is not valid JSON, so it was left untouched. Fix it (or move it away) and try again, or paste the snippet by hand.`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BrokerError('CLIENT_CONFIG_INVALID', `${path} is not a JSON object, so it was left untouched.`);
  }
  return value as Record<string, unknown>;
}

/** True when the client's file already has a `broker` entry. */
export function isInstalled(path: string): boolean {
  try {
    const servers = readClientConfig(path)?.['mcpServers'];
    return typeof servers === 'object' && servers !== null && BROKER_ENTRY in servers;
  } catch {
    return false;
  }
}

/**
 * Writes the broker entry into the client's config file: copies the current file to
 * `<file>.<timestamp>.bak` first, then replaces only `mcpServers.broker`, atomically.
 */
export function installBrokerEntry(
  path: string,
  entry: { command: string; args: string[] },
  now: Date,
): { path: string; backup?: string } {
  const current = readClientConfig(path);
  let backup: string | undefined;
  if (current !== undefined) {
    backup = `${path}.${now.toISOString().replace(/[:.]/g, '-')}.bak`;
    copyFileSync(path, backup);
  }
  const base = current ?? {};
  const servers = base['mcpServers'];
  const next = {
    ...base,
    mcpServers: {
      ...(typeof servers === 'object' && servers !== null ? servers : {}),
      [BROKER_ENTRY]: entry,
    },
  };
  writeFileAtomic(path, JSON.stringify(next, null, 2) + '\n', 0o600);
  return backup === undefined ? { path } : { path, backup };
}
