import { runConnect } from '../shim/connect.js';
import { locations, parseCommand, parsePort, writeLine, type CliIo } from './cli-context.js';

export const connectHelp = `Usage: mcp-auth-broker connect [--config FILE] [--data-dir DIR] [--port N] [--no-start]

The stdio command for Claude Desktop (and any stdio MCP client): relays MCP between stdin/stdout and
the running broker over a socket only your OS user can open. Starts the broker in the background if
none is running (unless --no-start). Writes nothing but JSON-RPC to stdout.`;

export async function connectCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, { port: { type: 'string' }, 'no-start': { type: 'boolean' } });
  if (values.help) return (writeLine(io.stdout, connectHelp), 0);
  const port = parsePort(values.port);
  return runConnect({
    ...locations(values, io.env),
    ...(port === undefined ? {} : { port }),
    autoStart: !values['no-start'],
    cliScript: io.cliScript,
    stdin: io.stdin,
    stdout: io.stdout,
    stderr: io.stderr,
  });
}
