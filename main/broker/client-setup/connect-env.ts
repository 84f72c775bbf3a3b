import { homedir } from 'node:os';

import { defaultConfigPath, defaultDataDir } from '../runtime/paths.js';

/** The platform, environment and home directory client config paths are resolved against. */
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

/** How the broker is reached: the shim's command line and the `/mcp` URL. */
export interface BrokerEndpoints {
  command: string;
  args: string[];
  mcpUrl: string;
}

/** Where this broker lives: its config, data dir and HTTP origin (`http://127.0.0.1:<port>`). */
export interface BrokerWhere {
  configPath: string;
  dataDir: string;
  brokerUrl: string;
}

/**
 * The shim's command line with absolute node + CLI paths (clients do not use the shell's PATH), with
 * `--config` / `--data-dir` when they are not the defaults so `connect` reaches this broker and not a
 * second one; and the loopback `/mcp` URL.
 */
export function brokerEndpoints(cliScript: string, where: BrokerWhere, p: ConnectEnv): BrokerEndpoints {
  const args = [cliScript, 'connect'];
  if (where.configPath !== defaultConfigPath(p)) args.push('--config', where.configPath);
  if (where.dataDir !== defaultDataDir(p)) args.push('--data-dir', where.dataDir);
  return { command: process.execPath, args, mcpUrl: new URL('/mcp', where.brokerUrl).href };
}
