import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';

import { ImportResponseSchema } from '../../contract/control-api.js';
import type { ImportOptions, ImportPlan, ImportResult, ImportSource } from '../../contract/window-api.js';
import { BrokerError, messageOf } from '../base/errors.js';
import { loadConfigFile, writeConfigFile } from '../config/config-file.js';
import { ConfigSchema } from '../config/config-schema.js';
import { requestControl } from '../control/control-client.js';
import { discoverClientFiles, type DiscoveryPlace } from '../import/client-discovery.js';
import { planImport } from '../import/import-plan.js';
import { foundServersOf, importOptions } from '../import/import-source.js';
import { readMcpServersFile } from '../import/mcp-config-import.js';
import { runImport } from '../import/run-import.js';
import { type Locations, locations } from '../runtime/paths.js';
import { openSecretStore } from '../secrets/open-secret-store.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';
import { reportDiscovered, reportPlan, reportResult } from './import-report.js';
import { viaBrokerOrLocal } from './secret-command.js';

export const importHelp = `Usage: mcp-auth-broker import [FILE… | --all] [--dry-run] [--json]
         [--no-secret ID]… [--secret ID]… [--only NAME]… [--update] [--project DIR]
         [--config FILE] [--data-dir DIR]

Imports MCP servers from MCP client configs: Claude Desktop, Claude Code (~/.claude.json, .mcp.json),
Cursor (~/.cursor/mcp.json, .cursor/mcp.json), VS Code (.vscode/mcp.json, user mcp.json /
settings.json), Windsurf, Gemini CLI, Codex (~/.codex/config.toml) and Zed (context_servers).
With no FILE it lists the configs found on this machine (user files, and project files under
--project DIR, default the current directory); --all imports all of them.

Remote entries ("url", "type": "http"/"sse", and "npx mcp-remote URL …") become native remote
servers. Every value that looks like a credential (token formats such as ghp_, xoxb-, sk-, JWTs;
names with token/key/secret/password; long random values) moves into the keychain: env values
become {"secret": NAME}, a secret header becomes "auth": {"header", "secret"}, and a secret inside
args (a connection-URL password, --token=…) is passed through /bin/sh from an env secret.
A keychain name already in use is never overwritten: the same value is reused, another value gets
"<name>-2" (-3, …). --dry-run shows the plan (each server and secret, never a value) and changes
nothing; --no-secret ID keeps a value as it is, --secret ID moves one the detection missed (IDs as
the plan shows them: SERVER.VAR, SERVER.args[N], SERVER.url, SERVER.header.NAME); --update
replaces servers imported before, keeping their tools, enabled and prefix.
The client files are never changed.`;

const OPTIONS = {
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  update: { type: 'boolean' },
  'no-secret': { type: 'string', multiple: true },
  secret: { type: 'string', multiple: true },
  only: { type: 'string', multiple: true },
  project: { type: 'string' },
} as const;

function discoveryPlace(io: CliIo, project: string | undefined): DiscoveryPlace {
  return {
    home: io.env['HOME'] ?? homedir(),
    cwd: resolve(project ?? process.cwd()),
    platform: process.platform,
    env: io.env,
  };
}

function listDiscovered(io: CliIo, place: DiscoveryPlace, json: boolean): number {
  const files = discoverClientFiles(place).map((file) => {
    try {
      return { file, servers: readMcpServersFile(file.path) };
    } catch (error) {
      return { file, servers: new Error(messageOf(error)) };
    }
  });
  if (!json) return (reportDiscovered(io.stdout, files), 0);
  const listing = files.map(({ file, servers }) => ({
    ...file,
    ...(servers instanceof Error ? { error: servers.message } : { servers: servers.map((s) => s.name) }),
  }));
  return (writeLine(io.stdout, JSON.stringify({ files: listing }, null, 2)), 0);
}

/** The plan, read without taking the broker's lock: nothing is written. */
async function dryRun(
  where: Locations,
  source: ImportSource,
  options: ImportOptions,
  only: string[] | undefined,
): Promise<ImportPlan> {
  const config = existsSync(where.configPath) ? loadConfigFile(where.configPath) : ConfigSchema.parse({});
  const store = openSecretStore(config.secretStore, where.dataDir);
  const existing = new Set([...Object.keys(config.servers), ...Object.keys(config.remoteServers)]);
  const plan = await planImport(foundServersOf(source), {
    existing,
    secrets: store,
    ...importOptions(options),
    ...(only === undefined ? {} : { only: new Set(only) }),
  });
  return { servers: plan.servers };
}

function localImport(
  where: Locations,
  source: ImportSource,
  options: ImportOptions,
  only: string[] | undefined,
) {
  return async (
    store: Parameters<typeof runImport>[1]['store'],
    audit: Parameters<typeof runImport>[1]['audit'],
  ) => {
    if (!existsSync(where.configPath)) writeConfigFile(where.configPath, { servers: {} });
    const config = loadConfigFile(where.configPath);
    const outcome = await runImport(foundServersOf(source), {
      configPath: where.configPath,
      store,
      ...(audit === undefined ? {} : { audit }),
      existing: new Set([...Object.keys(config.servers), ...Object.keys(config.remoteServers)]),
      ...importOptions(options),
      ...(only === undefined ? {} : { only: new Set(only) }),
    });
    const { imported, skipped, moved, origins } = outcome;
    return { imported, skipped, moved, origins };
  };
}

export async function importCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, OPTIONS, true);
  if (values.help) return (writeLine(io.stdout, importHelp), 0);
  const place = discoveryPlace(io, values.project);
  if (positionals.length > 0 && values.all === true)
    throw new BrokerError('USAGE', `Give files or --all, not both.\n\n${importHelp}`);
  const paths =
    values.all === true ? discoverClientFiles(place).map((f) => f.path) : positionals.map((p) => resolve(p));
  if (paths.length === 0) {
    if (values.all === true) return (writeLine(io.stdout, 'No MCP client config found here.'), 1);
    return listDiscovered(io, place, values.json === true);
  }
  const source: ImportSource = paths.length === 1 && paths[0] !== undefined ? { path: paths[0] } : { paths };
  const options: ImportOptions = {
    ...(values['no-secret'] === undefined ? {} : { noSecret: values['no-secret'] }),
    ...(values.secret === undefined ? {} : { secret: values.secret }),
    ...(values.update === true ? { update: true } : {}),
  };
  const where = locations(values, io.env);
  if (values['dry-run'] === true) {
    const plan = await dryRun(where, source, options, values.only);
    if (values.json === true) writeLine(io.stdout, JSON.stringify(plan, null, 2));
    else reportPlan(io.stdout, plan);
    return 0;
  }
  const body = { source, options, ...(values.only === undefined ? {} : { servers: values.only }) };
  const result: ImportResult = await viaBrokerOrLocal(
    where,
    () => requestControl(where.dataDir, 'POST', '/import', ImportResponseSchema, body),
    localImport(where, source, options, values.only),
  );
  if (values.json === true) writeLine(io.stdout, JSON.stringify(result, null, 2));
  else reportResult(io.stdout, result);
  return result.imported.length > 0 || result.skipped.length === 0 ? 0 : 1;
}
