import { BrokerError } from '../base/errors.js';
import { loadConfigFile } from '../config/config-file.js';
import { locations } from '../runtime/paths.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';

export const configHelp = `Usage: mcp-auth-broker config check [--config FILE]
       mcp-auth-broker config path

check: validates the config file; on errors prints each JSON path with the fix and exits 78.
path:  prints the config file and data dir in use.`;

export function configCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {}, true);
  if (values.help || positionals.length === 0)
    return Promise.resolve((writeLine(io.stdout, configHelp), values.help ? 0 : 2));
  const where = locations(values, io.env);
  if (positionals[0] === 'path') {
    writeLine(io.stdout, `config: ${where.configPath}\ndata:   ${where.dataDir}`);
    return Promise.resolve(0);
  }
  if (positionals[0] !== 'check')
    throw new BrokerError('USAGE', `Unknown config subcommand "${positionals[0] ?? ''}". Try: config check`);
  const config = loadConfigFile(where.configPath);
  const servers = Object.entries(config.servers);
  const enabled = servers.filter(([, s]) => s.enabled).length;
  writeLine(
    io.stdout,
    `${where.configPath} is valid: ${String(servers.length)} servers (${String(enabled)} enabled), secrets in ${config.secretStore.type}.`,
  );
  return Promise.resolve(0);
}
