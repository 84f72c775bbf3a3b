import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { ClientId } from './client-entry.js';

/**
 * Where MCP clients keep their server lists on this machine: user files under the home directory
 * (per platform) and project files under the working directory. Home, cwd, platform and env are
 * injected so tests point discovery at a temp dir.
 */

export interface DiscoveryPlace {
  home: string;
  cwd: string;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
}

export interface ClientFile {
  client: ClientId;
  /** "user" files apply everywhere; "project" ones to the working directory. */
  scope: 'user' | 'project';
  path: string;
}

/** The per-user application data folder: `~/.config` (XDG), `~/Library/Application Support`, `%APPDATA%`. */
function appData(place: DiscoveryPlace): string {
  if (place.platform === 'darwin') return join(place.home, 'Library', 'Application Support');
  if (place.platform === 'win32') return place.env['APPDATA'] ?? join(place.home, 'AppData', 'Roaming');
  return place.env['XDG_CONFIG_HOME'] ?? join(place.home, '.config');
}

/** Every file a client may keep MCP servers in, present or not. */
export function clientFileCandidates(place: DiscoveryPlace): ClientFile[] {
  const { home, cwd } = place;
  const app = appData(place);
  const xdg = place.platform === 'win32' ? app : (place.env['XDG_CONFIG_HOME'] ?? join(home, '.config'));
  const user = (client: ClientId, path: string): ClientFile => ({ client, scope: 'user', path });
  const project = (client: ClientId, path: string): ClientFile => ({ client, scope: 'project', path });
  return [
    user('claude-desktop', join(app, 'Claude', 'claude_desktop_config.json')),
    user('claude-code', join(home, '.claude.json')),
    project('claude-code', join(cwd, '.mcp.json')),
    user('cursor', join(home, '.cursor', 'mcp.json')),
    project('cursor', join(cwd, '.cursor', 'mcp.json')),
    user('vscode', join(app, 'Code', 'User', 'mcp.json')),
    user('vscode', join(app, 'Code', 'User', 'settings.json')),
    project('vscode', join(cwd, '.vscode', 'mcp.json')),
    user('windsurf', join(home, '.codeium', 'windsurf', 'mcp_config.json')),
    user('gemini', join(home, '.gemini', 'settings.json')),
    project('gemini', join(cwd, '.gemini', 'settings.json')),
    user('codex', join(place.env['CODEX_HOME'] ?? join(home, '.codex'), 'config.toml')),
    user('zed', join(xdg, 'zed', 'settings.json')),
  ];
}

/** The client files that exist here (a project file equal to a user file is listed once). */
export function discoverClientFiles(place: DiscoveryPlace): ClientFile[] {
  const seen = new Set<string>();
  return clientFileCandidates(place).filter((file) => {
    if (seen.has(file.path) || !existsSync(file.path)) return false;
    seen.add(file.path);
    return true;
  });
}
