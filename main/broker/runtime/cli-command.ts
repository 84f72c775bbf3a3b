import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';

import { defaultConfigPath, defaultDataDir, type Locations } from './paths.js';

/**
 * How a message tells the person to run a command so that it works as printed (issue 14.6): the
 * bare `mcp-auth-broker` when that name on PATH is this install, else node and the script's
 * absolute path; and `--config` / `--data-dir` when this broker does not use the defaults, so the
 * command reaches this broker and not another (or a second one it would start). Set once by the
 * CLI entry (and the desktop app) before anything prints; display only, never parsed back.
 */
let invocation = { program: 'mcp-auth-broker', absolute: 'mcp-auth-broker', flags: '' };

/** Shell-quotes `s` when it needs it (POSIX single quotes; Windows double quotes). */
function quote(s: string, platform: NodeJS.Platform): string {
  if (/^[\w@%+=:,./\\-]+$/.test(s)) return s;
  return platform === 'win32' ? `"${s}"` : `'${s.replace(/'/g, `'\\''`)}'`;
}

function exists(path: string): boolean {
  try {
    accessSync(path);
    return true;
  } catch {
    return false;
  }
}

/** True when `mcp-auth-broker` on PATH resolves to `cliScript` (npm link, npm install -g). */
function onPath(cliScript: string, env: NodeJS.ProcessEnv): boolean {
  let target: string;
  try {
    target = realpathSync(cliScript);
  } catch {
    return false;
  }
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    // npx and npm scripts put node_modules/.bin on PATH for their own run only.
    if (!dir || /node_modules[\\/]\.bin[\\/]?$/.test(dir)) continue;
    const candidate = join(dir, 'mcp-auth-broker');
    try {
      accessSync(candidate, constants.X_OK);
      if (realpathSync(candidate) === target) return true;
    } catch {
      // not here
    }
  }
  return false;
}

export function setCliInvocation(
  cliScript: string,
  where: Locations,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): void {
  const absolute = exists(cliScript)
    ? `${quote(process.execPath, platform)} ${quote(cliScript, platform)}`
    : 'mcp-auth-broker';
  const program = onPath(cliScript, env) ? 'mcp-auth-broker' : absolute;
  const flags =
    (where.configPath === defaultConfigPath() ? '' : ` --config ${quote(where.configPath, platform)}`) +
    (where.dataDir === defaultDataDir() ? '' : ` --data-dir ${quote(where.dataDir, platform)}`);
  invocation = { program, absolute, flags };
}

/** `mcp-auth-broker <args>` as this broker's person must type it, e.g. `cliCommand('secret set X')`. */
export function cliCommand(args: string): string {
  return `${invocation.program} ${args}${invocation.flags}`;
}

/** The same with node and the script by absolute path: for MCP clients, which do not use PATH. */
export function absoluteCliCommand(args: string): string {
  return `${invocation.absolute} ${args}${invocation.flags}`;
}
