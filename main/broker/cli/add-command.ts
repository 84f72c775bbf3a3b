import { z } from 'zod';

import { AddServerResultSchema, type ApiInput } from '../../contract/window-api.js';
import { BrokerError } from '../base/errors.js';
import { resolveAddRequest } from '../catalog/add-request.js';
import { addServer } from '../catalog/add-server.js';
import { catalogServer, starterCatalog } from '../catalog/starter-catalog.js';
import { removeServerEntry } from '../config/server-entries.js';
import { requestControl } from '../control/control-client.js';
import { cliCommand } from '../runtime/cli-command.js';
import { locations } from '../runtime/paths.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';
import { viaBrokerOr, withLocalState } from './local-state.js';
import { readPiped, readSecretValue } from './secret-input.js';

export const addHelp = `Usage: mcp-auth-broker add CATALOG_ID [--name NAME]   a server from the starter catalog
       mcp-auth-broker add NAME -- COMMAND [ARGS…]       any stdio server
       mcp-auth-broker add NAME https://…/mcp [--transport sse|websocket]   any remote server (OAuth sign-in)
       mcp-auth-broker add --list                        the starter catalog
       mcp-auth-broker remove NAME

A catalog server asks for its fields: typed on a terminal (secret ones hidden), or piped one per line
in the order --list shows. Secret fields go to the keychain as "<name>-<ENV>" (an existing secret is
never overwritten: -2, -3, … instead); the config gets {"secret": …}. With a broker running the server
starts at once. Remote servers sign in with: mcp-auth-broker login --server NAME.`;

/** The catalog's field values: prompted on a terminal, else one line each from stdin. */
async function readFields(
  io: CliIo,
  fields: { id: string; label: string }[],
): Promise<Record<string, string>> {
  if (fields.length === 0) return {};
  if (io.stdin.isTTY) {
    const values: Record<string, string> = {};
    for (const f of fields) values[f.id] = await readSecretValue(io, f.label);
    return values;
  }
  const lines = (await readPiped(io.stdin)).split(/\r?\n/);
  return Object.fromEntries(fields.map((f, i) => [f.id, lines[i] ?? '']));
}

function listCatalog(io: CliIo): number {
  for (const s of starterCatalog()) {
    const what = s.remote ? s.remote.url : [s.stdio?.command, ...(s.stdio?.args ?? [])].join(' ');
    writeLine(io.stdout, `${s.id.padEnd(20)} ${s.title}: ${s.description}\n${''.padEnd(21)}${what}`);
    for (const f of s.fields)
      writeLine(io.stdout, `${''.padEnd(21)}- ${f.label}${f.secret ? ' (secret)' : ''}`);
  }
  return 0;
}

export async function addCommand(args: string[], io: CliIo): Promise<number> {
  const dash = args.indexOf('--');
  const own = dash < 0 ? args : args.slice(0, dash);
  const { values, positionals } = parseCommand(
    own,
    { list: { type: 'boolean' }, name: { type: 'string' }, transport: { type: 'string' } },
    true,
  );
  if (values.help) return (writeLine(io.stdout, addHelp), 0);
  if (values.list) return listCatalog(io);
  const [first, second, ...extra] = positionals;
  if (first === undefined || extra.length > 0) throw new BrokerError('USAGE', addHelp);
  let input: ApiInput<'addServer'>;
  if (dash >= 0) {
    const [command, ...rest] = args.slice(dash + 1);
    if (!command || second !== undefined)
      throw new BrokerError('USAGE', 'Usage: add NAME -- COMMAND [ARGS…]');
    input = { name: first, command, args: rest };
  } else if (second !== undefined) {
    const transport = z.enum(['streamable-http', 'sse', 'websocket']).optional().safeParse(values.transport);
    if (!transport.success)
      throw new BrokerError('USAGE', '--transport is streamable-http, sse or websocket.');
    input = { name: first, url: second, ...(transport.data ? { transport: transport.data } : {}) };
  } else {
    const server = catalogServer(first);
    input = {
      name: values.name ?? server.id,
      catalog: server.id,
      values: await readFields(io, server.fields),
    };
  }
  resolveAddRequest(input); // refuses a missing field before anything is stored
  const where = locations(values, io.env);
  const result = await viaBrokerOr(
    () => requestControl(where.dataDir, 'POST', '/servers', AddServerResultSchema, input),
    () =>
      withLocalState(where, async ({ store, audit }) => {
        const added = await addServer(
          { configPath: where.configPath, store, audit },
          resolveAddRequest(input),
        );
        return { name: input.name, secrets: added.secrets };
      }),
  );
  writeLine(
    io.stdout,
    `Added ${result.name}.${result.secrets.length ? ` Keychain secrets: ${result.secrets.join(', ')}.` : ''}`,
  );
  if ('url' in input || ('catalog' in input && catalogServer(input.catalog).remote))
    writeLine(io.stdout, `Sign in with: ${cliCommand(`login --server ${result.name}`)}`);
  return 0;
}

export async function removeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {}, true);
  if (values.help) return (writeLine(io.stdout, addHelp), 0);
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0) throw new BrokerError('USAGE', 'Usage: remove NAME');
  const where = locations(values, io.env);
  await viaBrokerOr(
    () =>
      requestControl(
        where.dataDir,
        'DELETE',
        `/servers/${encodeURIComponent(name)}`,
        z.object({ ok: z.literal(true) }),
      ),
    () =>
      withLocalState(where, ({ audit }) => {
        removeServerEntry(where.configPath, name);
        audit.record({ type: 'server.removed', outcome: 'ok', server: name });
        return Promise.resolve({ ok: true as const });
      }),
  );
  writeLine(
    io.stdout,
    `Removed ${name} from the config (its keychain secrets stay; see "${cliCommand('secret list')}").`,
  );
  return 0;
}
