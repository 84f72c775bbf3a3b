import { StatusResponseSchema } from '../../contract/control-api.js';
import type { Status } from '../../contract/status.js';
import { isBrokerError } from '../base/errors.js';
import { loadConfigFile } from '../config/config-file.js';
import { requestControl } from '../control/control-client.js';
import { cliCommand } from '../runtime/cli-command.js';
import { locations } from '../runtime/paths.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';

export const statusHelp = `Usage: mcp-auth-broker status [--json] [--config FILE] [--data-dir DIR]

Shows whether the broker runs, and each server's state, tool count, restarts and last error.
Exit code 0 when the broker runs, 3 when it does not.`;

function printHuman(io: CliIo, body: Status): void {
  const b = body.broker;
  writeLine(
    io.stdout,
    `Broker running: ${b.url} (pid ${String(b.pid)}, v${b.version}, since ${b.startedAt})`,
  );
  writeLine(io.stdout, `Secrets: ${b.secretStore}; connected clients: ${String(b.clients)}`);
  const a = body.audit;
  if (a?.writable === false)
    writeLine(
      io.stdout,
      `AUDIT LOG CANNOT BE WRITTEN since ${a.since ?? '?'} (${String(a.lost ?? 0)} record(s) lost): ${a.error ?? ''}`,
    );
  if (body.servers.length === 0) writeLine(io.stdout, 'No servers configured.');
  for (const s of body.servers) {
    const pid = s.pid === undefined ? '' : ` pid ${String(s.pid)}`;
    writeLine(
      io.stdout,
      `  ${s.name}: ${s.state}${pid}, ${String(s.toolCount)} tools, ${String(s.restarts)} restarts`,
    );
    if (s.lastError) writeLine(io.stdout, `    last error: ${s.lastError}`);
    for (const line of s.stderrTail.slice(-5)) writeLine(io.stdout, `    stderr: ${line}`);
  }
}

export async function statusCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, { json: { type: 'boolean' } });
  if (values.help) return (writeLine(io.stdout, statusHelp), 0);
  const where = locations(values, io.env);
  try {
    const body = await requestControl(where.dataDir, 'GET', '/status', StatusResponseSchema);
    // `starting` while the broker holds its lock but is not ready yet (no url, no servers).
    if ('state' in body) {
      const b = body.broker;
      if (values.json) writeLine(io.stdout, JSON.stringify({ running: true, ...body }, null, 2));
      else
        writeLine(io.stdout, `Broker starting (pid ${String(b.pid)}, v${b.version}, since ${b.startedAt}).`);
      return 0;
    }
    if (values.json) writeLine(io.stdout, JSON.stringify({ running: true, ...body }, null, 2));
    else printHuman(io, body);
    return 0;
  } catch (error) {
    if (!isBrokerError(error, 'BROKER_UNREACHABLE')) throw error;
    let servers: string[] = [];
    try {
      servers = Object.keys(loadConfigFile(where.configPath).servers);
    } catch {
      /* the config problem is for `config check` to explain */
    }
    if (values.json)
      writeLine(io.stdout, JSON.stringify({ running: false, configuredServers: servers }, null, 2));
    else
      writeLine(
        io.stdout,
        `Broker not running (data dir ${where.dataDir}). Configured servers: ${servers.join(', ') || 'none'}. Start it with "${cliCommand('serve')}".`,
      );
    return 3;
  }
}
