import { createHash } from 'node:crypto';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Folder name used under the per-OS config and data roots. */
export const APP_DIR_NAME = 'mcp-auth-broker';
const APP_DIR_NAME_MAC_WIN = 'MCP Auth Broker';

/** Default loopback port of the broker's HTTP endpoint (documented in the README). */
export const DEFAULT_PORT = 47821;

export interface PlatformEnv {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
}

const currentPlatform = (): PlatformEnv => ({
  platform: process.platform,
  env: process.env,
  home: homedir(),
});

/**
 * Default config file: `$XDG_CONFIG_HOME/mcp-auth-broker/config.json` on Linux,
 * `~/Library/Application Support/MCP Auth Broker/config.json` on macOS,
 * `%APPDATA%\MCP Auth Broker\config.json` on Windows.
 */
export function defaultConfigPath(p: PlatformEnv = currentPlatform()): string {
  if (p.platform === 'darwin') {
    return join(p.home, 'Library', 'Application Support', APP_DIR_NAME_MAC_WIN, 'config.json');
  }
  if (p.platform === 'win32') {
    const appData = p.env['APPDATA'] ?? join(p.home, 'AppData', 'Roaming');
    return join(appData, APP_DIR_NAME_MAC_WIN, 'config.json');
  }
  const xdg = p.env['XDG_CONFIG_HOME'];
  return join(xdg && xdg.startsWith('/') ? xdg : join(p.home, '.config'), APP_DIR_NAME, 'config.json');
}

/**
 * Default data dir (audit log, runtime sockets, lock, non-secret metadata):
 * `$XDG_DATA_HOME/mcp-auth-broker` on Linux, `~/Library/Application Support/MCP Auth Broker/data`
 * on macOS, `%LOCALAPPDATA%\MCP Auth Broker` on Windows.
 */
export function defaultDataDir(p: PlatformEnv = currentPlatform()): string {
  if (p.platform === 'darwin') {
    return join(p.home, 'Library', 'Application Support', APP_DIR_NAME_MAC_WIN, 'data');
  }
  if (p.platform === 'win32') {
    const local = p.env['LOCALAPPDATA'] ?? join(p.home, 'AppData', 'Local');
    return join(local, APP_DIR_NAME_MAC_WIN);
  }
  const xdg = p.env['XDG_DATA_HOME'];
  return join(xdg && xdg.startsWith('/') ? xdg : join(p.home, '.local', 'share'), APP_DIR_NAME);
}

/** Unix socket paths must stay under ~104 bytes (macOS) / 108 (Linux). */
const MAX_SOCKET_PATH = 100;

export interface RuntimePaths {
  /** Folder holding the sockets, created 0700. */
  runDir: string;
  /** MCP channel the `connect` shim relays to (newline-delimited JSON-RPC). */
  mcpSocket: string;
  /** HTTP control API for the CLI (`status`, `secret …` while the broker runs). */
  controlSocket: string;
}

/**
 * Where the same-user-only channels live. On Unix: sockets in `<dataDir>/run` (0700 folder, 0600
 * sockets), or, when that path is too long for a socket, a per-user folder in the temp dir keyed by
 * a hash of the data dir. On Windows: named pipes keyed by user and data dir.
 */
export function runtimePaths(dataDir: string, platform: NodeJS.Platform = process.platform): RuntimePaths {
  const key = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  if (platform === 'win32') {
    const user = userInfo().username.replace(/[^A-Za-z0-9_-]/g, '_');
    const base = `\\\\.\\pipe\\mcp-auth-broker-${user}-${key}`;
    return { runDir: join(dataDir, 'run'), mcpSocket: `${base}-mcp`, controlSocket: `${base}-control` };
  }
  let runDir = join(dataDir, 'run');
  if (join(runDir, 'control.sock').length > MAX_SOCKET_PATH) {
    runDir = join(tmpdir(), `mcp-auth-broker-${String(process.getuid?.() ?? 'u')}-${key}`);
  }
  return { runDir, mcpSocket: join(runDir, 'mcp.sock'), controlSocket: join(runDir, 'control.sock') };
}
