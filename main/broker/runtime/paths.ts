import { createHash } from 'node:crypto';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

import { readFileNoFollow } from '../base/private-path.js';

/** Folder name used under the per-OS config and data roots. */
export const APP_DIR_NAME = 'mcp-auth-broker';
const APP_DIR_NAME_MAC_WIN = 'MCP Auth Broker';

/** Name of the config file in the per-OS config folder. */
const CONFIG_FILE = 'config.json';

/**
 * The broker's data dir layout: each file and folder it keeps there, relative to the data dir.
 * Changing a name here moves data on disk for existing installations.
 */
export const DATA_DIR_LAYOUT = {
  /** Hash-chained audit log folder (`audit/*.jsonl` and its head file). */
  audit: 'audit',
  /** The authorization server's encrypted state (clients, grants, consents). */
  authzState: join('authz', 'authz-state.enc.json'),
  /** Signed-in provider accounts (non-secret metadata; tokens stay in the secret store). */
  providerAccounts: join('providers', 'accounts.json'),
  /** Default file of the encrypted-file secret store. */
  secretsFile: 'secrets.enc.json',
  /** Single-instance lock. */
  lock: 'broker.lock',
  /** Output of a broker the `connect` shim started in the background. */
  backgroundLog: 'broker.log',
  /** Each stdio server's stderr, `<server>.log` and one `.1` rotation (issue 15 point 3). */
  serverLogs: 'server-logs',
  /** Socket folder, when its path fits the socket path limit. */
  runDir: 'run',
  /** Names the socket folder when `run/` is too long for a socket. */
  runtimeRecord: 'runtime-dir',
} as const;

export type DataDirEntry = keyof typeof DATA_DIR_LAYOUT;

/** Absolute path of `entry` in `dataDir` (see `DATA_DIR_LAYOUT`). */
export function dataDirPath(dataDir: string, entry: DataDirEntry): string {
  return join(dataDir, DATA_DIR_LAYOUT[entry]);
}

/** Socket file names inside the socket folder. */
const MCP_SOCKET_FILE = 'mcp.sock';
const CONTROL_SOCKET_FILE = 'control.sock';

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
    return join(p.home, 'Library', 'Application Support', APP_DIR_NAME_MAC_WIN, CONFIG_FILE);
  }
  if (p.platform === 'win32') {
    const appData = p.env['APPDATA'] ?? join(p.home, 'AppData', 'Roaming');
    return join(appData, APP_DIR_NAME_MAC_WIN, CONFIG_FILE);
  }
  const xdg = p.env['XDG_CONFIG_HOME'];
  return join(xdg && xdg.startsWith('/') ? xdg : join(p.home, '.config'), APP_DIR_NAME, CONFIG_FILE);
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
export const MAX_SOCKET_PATH = 100;

export interface RuntimePaths {
  /** Folder holding the sockets: private to this user (0700, checked before use). */
  runDir: string;
  /** MCP channel the `connect` shim relays to (newline-delimited JSON-RPC). */
  mcpSocket: string;
  /** HTTP control API for the CLI (`status`, `secret …` while the broker runs). */
  controlSocket: string;
}

/** Key of a data dir in names outside it (named pipes, the runtime dir). */
export function dataDirKey(dataDir: string): string {
  return createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
}

/** Socket paths inside `runDir`. */
export function socketsIn(runDir: string): RuntimePaths {
  return {
    runDir,
    mcpSocket: join(runDir, MCP_SOCKET_FILE),
    controlSocket: join(runDir, CONTROL_SOCKET_FILE),
  };
}

/** True when sockets in `runDir` fit the platform's socket path limit. */
export function socketPathsFit(runDir: string): boolean {
  return join(runDir, CONTROL_SOCKET_FILE).length <= MAX_SOCKET_PATH;
}

/** `$XDG_RUNTIME_DIR/mcp-auth-broker/<key>` when XDG_RUNTIME_DIR is set to an absolute path. */
export function xdgRuntimeDir(dataDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const xdg = env['XDG_RUNTIME_DIR'];
  return xdg && xdg.startsWith('/') ? join(xdg, APP_DIR_NAME, dataDirKey(dataDir)) : undefined;
}

/** The socket folder the serving broker recorded in the data dir, if any. */
export function recordedRuntimeDir(dataDir: string): string | undefined {
  try {
    const recorded = readFileNoFollow(dataDirPath(dataDir, 'runtimeRecord')).toString('utf8').trim();
    return recorded.startsWith('/') ? recorded : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the same-user-only channels live. On Unix: sockets in `<dataDir>/run` (0700 folder, 0600
 * sockets), or, when that path is too long for a socket, in the folder the broker recorded in
 * `<dataDir>/runtime-dir` (its private `$XDG_RUNTIME_DIR/mcp-auth-broker/<key>`, else a random
 * 0700 temp folder); never a predictable name in the shared temp dir. On Windows: named pipes keyed
 * by user and data dir. Callers check the folder and socket (`private-path.ts`) before use.
 */
export function runtimePaths(
  dataDir: string,
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): RuntimePaths {
  if (platform === 'win32') {
    const user = userInfo().username.replace(/[^A-Za-z0-9_-]/g, '_');
    const base = `\\\\.\\pipe\\mcp-auth-broker-${user}-${dataDirKey(dataDir)}`;
    return {
      runDir: dataDirPath(dataDir, 'runDir'),
      mcpSocket: `${base}-mcp`,
      controlSocket: `${base}-control`,
    };
  }
  const own = dataDirPath(dataDir, 'runDir');
  if (socketPathsFit(own)) return socketsIn(own);
  return socketsIn(recordedRuntimeDir(dataDir) ?? xdgRuntimeDir(dataDir, env) ?? own);
}

export interface Locations {
  configPath: string;
  dataDir: string;
}

/** `--config` / `--data-dir`, then MCP_AUTH_BROKER_CONFIG / MCP_AUTH_BROKER_DATA_DIR, then the OS default. */
export function locations(
  values: { config?: string | undefined; 'data-dir'?: string | undefined },
  env: NodeJS.ProcessEnv,
): Locations {
  return {
    configPath: values.config ?? env['MCP_AUTH_BROKER_CONFIG'] ?? defaultConfigPath(),
    dataDir: values['data-dir'] ?? env['MCP_AUTH_BROKER_DATA_DIR'] ?? defaultDataDir(),
  };
}
