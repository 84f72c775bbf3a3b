import { SERVER_NAME_PATTERN } from '../config/config-schema.js';
import type { ClientEntry, EntryOrigin } from './client-entry.js';
import { mcpRemoteArgs, type RemoteSpec, specFromMcpRemote, specFromUrlEntry } from './mcp-remote-args.js';

/**
 * What the broker would run for each client entry: a stdio server, or a native remote server for
 * `url` entries and `mcp-remote` bridges; entries written for another OS are flagged (and
 * `cmd /c npx …` unwrapped on POSIX); identical entries found in several files become one server
 * that remembers every origin.
 */

export interface FoundServer {
  /** Name as the broker will use it (sanitised to `SERVER_NAME_PATTERN`, unique in the batch). */
  name: string;
  /** Every client file entry this server stands for (one, or several identical ones). */
  origins: EntryOrigin[];
  kind: 'stdio' | 'remote';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  remote?: RemoteSpec;
  /** False when the client had it switched off. */
  enabled: boolean;
  /** What the import changed or could not carry over (shown in the plan). */
  notes: string[];
  /** Why it cannot be imported (the broker itself, no command, another OS …). */
  problem?: string;
  /** VS Code input ids that are prompted as passwords. */
  passwordInputs?: ReadonlySet<string>;
}

export type Platform = NodeJS.Platform;

/** A broker server name from any label: letters, digits and "-", at most 32 characters. */
export function serverNameFrom(label: string): string {
  const cleaned = label
    .replace(/^@[^/]+\//, '')
    .replace(/@[^@]*$/, '')
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return SERVER_NAME_PATTERN.test(cleaned) ? cleaned : 'server';
}

const WINDOWS_PATH = /^([A-Za-z]:[\\/]|\\\\)/;
const LAUNCHERS = /^(npx|node|uvx|uv|python3?|docker|pnpm|pnpx|bunx|bun|deno|mcp-remote)(\.cmd|\.exe)?$/i;

/** `cmd /c X …` → `X …`, and `C:\…\npx.cmd` → `npx` on POSIX; a problem when it cannot run here. */
function adaptToPlatform(server: FoundServer, platform: Platform): void {
  if (platform === 'win32') {
    if (server.command.startsWith('/'))
      server.problem = `"${server.command}" is a macOS/Linux path; this is Windows`;
    return;
  }
  if (/^cmd(\.exe)?$/i.test(server.command) && /^\/[ck]$/i.test(server.args[0] ?? '')) {
    const [, program = '', ...rest] = server.args;
    server.notes.push(`written for Windows: "cmd /c ${program}" runs as "${program}" here`);
    server.command = program;
    server.args = rest;
  }
  if (WINDOWS_PATH.test(server.command)) {
    const base = server.command.split(/[\\/]/).pop() ?? '';
    if (LAUNCHERS.test(base)) {
      const program = base.replace(/\.(cmd|exe)$/i, '');
      server.notes.push(`written for Windows: "${server.command}" runs as "${program}" here`);
      server.command = program;
    } else {
      server.problem = `"${server.command}" is a Windows program path; install the server on this machine and add it by hand`;
    }
  }
  if (server.problem === undefined && server.args.some((a) => WINDOWS_PATH.test(a))) {
    server.notes.push('its arguments hold Windows paths (C:\\…): check them after the import');
  }
}

function isBrokerItself(command: string, args: string[]): boolean {
  return [command, ...args].some((a) => /mcp-auth-broker(\.js)?$/.test(a)) && args.includes('connect');
}

function toFound(entry: ClientEntry, platform: Platform): FoundServer {
  const found: FoundServer = {
    name: serverNameFrom(entry.label),
    origins: [entry.origin],
    kind: 'stdio',
    command: entry.command ?? '',
    args: entry.args,
    env: entry.env,
    enabled: entry.disabled !== true,
    notes: entry.disabled === true ? ['switched off in the client: imported disabled'] : [],
  };
  if (entry.cwd !== undefined) found.cwd = entry.cwd;
  if (entry.passwordInputs !== undefined) found.passwordInputs = entry.passwordInputs;
  if (found.command === '' && entry.url !== undefined) {
    return { ...found, kind: 'remote', remote: specFromUrlEntry({ ...entry, url: entry.url }) };
  }
  if (found.command === '') return { ...found, problem: 'it has no "command" nor "url"' };
  if (isBrokerItself(found.command, found.args))
    return { ...found, problem: 'this entry is the broker itself' };
  adaptToPlatform(found, platform);
  const bridged = mcpRemoteArgs(found.command, found.args);
  if (bridged !== undefined) {
    const remote = specFromMcpRemote(bridged, found.env);
    if (remote === undefined) return { ...found, problem: 'it runs mcp-remote without a server URL' };
    return { ...found, kind: 'remote', remote, notes: [...found.notes, ...remote.notes] };
  }
  return found;
}

/** What makes two entries the same server (so one found in two files is imported once). */
function identity(server: FoundServer): string {
  const { command, args, env, cwd, remote } = server;
  return JSON.stringify(remote ? [remote.url, remote.headers] : [command, args, env, cwd ?? null]);
}

/** Servers for `entries` (identical ones merged, names made unique), as they would run on `platform`. */
export function foundServers(entries: ClientEntry[], platform: Platform = process.platform): FoundServer[] {
  const used = new Set<string>();
  const byIdentity = new Map<string, FoundServer>();
  const out: FoundServer[] = [];
  for (const entry of entries) {
    const found = toFound(entry, platform);
    const same = byIdentity.get(identity(found));
    if (same !== undefined && found.problem === undefined) {
      same.origins.push(...found.origins);
      continue;
    }
    let unique = found.name;
    for (let i = 2; used.has(unique); i++) unique = `${found.name.slice(0, 29)}-${String(i)}`;
    used.add(unique);
    const server = { ...found, name: unique };
    if (server.problem === undefined) byIdentity.set(identity(server), server);
    out.push(server);
  }
  return out;
}
