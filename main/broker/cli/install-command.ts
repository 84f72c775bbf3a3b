import {
  ConnectInfoResponseSchema,
  InstallResponseSchema,
  UninstallResponseSchema,
} from '../../contract/control-api.js';
import { BrokerViaSchema, type ConnectTarget, ConnectTargetSchema } from '../../contract/window-api.js';
import { systemClock } from '../base/clock.js';
import { BrokerError } from '../base/errors.js';
import { type ClientSetup, createClientSetup } from '../client-setup/client-setup.js';
import { CLIENT_TARGETS } from '../client-setup/client-targets.js';
import { requestControl } from '../control/control-client.js';
import { cliCommand } from '../runtime/cli-command.js';
import { DEFAULT_PORT, type Locations, locations } from '../runtime/paths.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';
import { viaBrokerOr, withLocalState } from './local-state.js';

const CLIENTS = CLIENT_TARGETS.map((t) => t.id).join(', ');

export const installHelp = `Usage: mcp-auth-broker install CLIENT [--via stdio|http] [--keep-entries] [--json]
       mcp-auth-broker install --list [--json]
       mcp-auth-broker uninstall CLIENT

CLIENT: ${CLIENTS}.
Writes the "broker" entry into the client's MCP config (the stdio shim, or the broker's /mcp URL
where the client signs in with OAuth; --via picks one the client accepts). Entries imported into
the broker from that file are removed there (--keep-entries keeps them), so no plaintext token stays
in it. The rest of the file (comments, formatting) is kept. Each install keeps a sealed backup
(0600, in the data dir, the newest 5); "uninstall" puts the file back exactly, or — when the client
changed it since — removes the broker entry and returns the removed entries. Any other client: point
it at the /mcp URL that --list prints.`;

/** The running broker's client setup, else a local one over the store (lock held). */
function run<T>(
  io: CliIo,
  where: Locations,
  remote: () => Promise<T>,
  local: (setup: ClientSetup) => Promise<T>,
): Promise<T> {
  return viaBrokerOr(remote, () =>
    withLocalState(where, ({ config, store }) =>
      local(
        createClientSetup({
          ...{ configPath: where.configPath, dataDir: where.dataDir, store, clock: systemClock },
          ...{
            cliScript: io.cliScript,
            brokerUrl: () => `http://127.0.0.1:${String(config.port ?? DEFAULT_PORT)}`,
          },
          brokerServers: () => new Set(Object.keys(config.servers)),
        }),
      ),
    ),
  );
}

function clientArg(positional: string | undefined): ConnectTarget {
  const parsed = ConnectTargetSchema.safeParse(positional);
  if (!parsed.success)
    throw new BrokerError(
      'USAGE',
      `Name a client: ${CLIENTS}.${positional ? ` ("${positional}" is not one.)` : ''}`,
    );
  return parsed.data;
}

export async function installCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      via: { type: 'string' },
      'keep-entries': { type: 'boolean' },
      list: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    true,
  );
  if (values.help) return (writeLine(io.stdout, installHelp), 0);
  const where = locations(values, io.env);
  if (values.list) {
    const info = await run(
      ...[io, where],
      () => requestControl(where.dataDir, 'GET', '/connect', ConnectInfoResponseSchema),
      (s) => Promise.resolve(s.info()),
    );
    if (values.json) return (writeLine(io.stdout, JSON.stringify(info, null, 2)), 0);
    for (const t of info.targets) {
      const state = t.problem
        ? `unreadable: ${t.problem}`
        : t.installed
          ? 'installed'
          : t.exists
            ? 'not installed'
            : 'no file yet';
      writeLine(io.stdout, `${t.id.padEnd(15)} ${state.padEnd(14)} ${t.path}`);
    }
    writeLine(io.stdout, `Any other MCP client: ${info.mcpUrl}`);
    return 0;
  }
  if (positionals.length > 1) throw new BrokerError('USAGE', `Name one client.\n\n${installHelp}`);
  const client = clientArg(positionals[0]);
  const parsedVia = BrokerViaSchema.optional().safeParse(values.via);
  if (!parsedVia.success)
    throw new BrokerError('USAGE', `--via is "stdio" or "http", got "${String(values.via)}".`);
  const via = parsedVia.data;
  const body = { ...(via ? { via } : {}), ...(values['keep-entries'] ? { removeImported: false } : {}) };
  const result = await run(
    ...[io, where],
    () => requestControl(where.dataDir, 'POST', `/connect/${client}/install`, InstallResponseSchema, body),
    (s) => s.install({ client, ...body }),
  );
  if (values.json) return (writeLine(io.stdout, JSON.stringify(result, null, 2)), 0);
  writeLine(io.stdout, `Installed the broker (${result.via}) into ${result.path}.`);
  if (result.removed.length)
    writeLine(io.stdout, `Removed ${result.removed.join(', ')} from it: the broker runs them now.`);
  writeLine(io.stdout, `Undo with: ${cliCommand(`uninstall ${client}`)}`);
  return 0;
}

export async function uninstallCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' } }, true);
  if (values.help) return (writeLine(io.stdout, installHelp), 0);
  if (positionals.length > 1) throw new BrokerError('USAGE', `Name one client.\n\n${installHelp}`);
  const client = clientArg(positionals[0]);
  const where = locations(values, io.env);
  const result = await run(
    ...[io, where],
    () => requestControl(where.dataDir, 'POST', `/connect/${client}/uninstall`, UninstallResponseSchema),
    (s) => s.uninstall(client),
  );
  if (values.json) return (writeLine(io.stdout, JSON.stringify(result, null, 2)), 0);
  const returned = result.returned.length ? `; ${result.returned.join(', ')} put back` : '';
  writeLine(
    io.stdout,
    result.restored === 'exact'
      ? `Restored ${result.path} exactly as it was before the install.`
      : result.restored === 'merged'
        ? `${result.path} changed since the install, so only the broker's changes were undone${returned}.`
        : `Removed the broker entry from ${result.path} (there was no backup).`,
  );
  return 0;
}
