import { parseArgs } from 'node:util';

import { defaultConfigPath, defaultDataDir } from '../runtime/paths.js';
import { runConnect } from './connect.js';

export const connectHelp = `Usage: mcp-auth-broker connect [--config FILE] [--data-dir DIR] [--port N] [--no-start]

The stdio command for Claude Desktop (and any stdio MCP client): relays MCP between stdin/stdout and
the running broker over a socket only your OS user can open. Starts the broker in the background if
none is running (unless --no-start). Writes nothing but JSON-RPC to stdout.`;

export interface ConnectIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Absolute path of the `mcp-auth-broker` entry script (to start a background broker). */
  cliScript: string;
}

/** A usage error: printed like the CLI prints one, exit code 2 (README's exit codes). */
class UsageError extends Error {}

function parse(args: string[]) {
  try {
    const { values } = parseArgs({
      args,
      options: {
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        port: { type: 'string' },
        'no-start': { type: 'boolean' },
      },
      strict: true,
    });
    return values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a whole number from 0 to 65535 (0 = any free port), got "${text}".`);
  return port;
}

/**
 * `mcp-auth-broker connect`, dispatched by bin/ before the CLI loads (issue 11 point 2): this module
 * and what it imports are all a relaying shim loads (node:net, node:util and the socket path checks);
 * starting a broker is a lazy import in connect.ts. Resolves with the exit code.
 */
export async function connectMain(args: string[], io: ConnectIo): Promise<number> {
  let values: ReturnType<typeof parse>;
  let port: number | undefined;
  try {
    values = parse(args);
    port = parsePort(values.port);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`mcp-auth-broker connect: ${error.message}\n`);
    return 2;
  }
  if (values.help) return (io.stdout.write(connectHelp + '\n'), 0);
  return runConnect({
    configPath: values.config ?? io.env['MCP_AUTH_BROKER_CONFIG'] ?? defaultConfigPath(),
    dataDir: values['data-dir'] ?? io.env['MCP_AUTH_BROKER_DATA_DIR'] ?? defaultDataDir(),
    ...(port === undefined ? {} : { port }),
    autoStart: !values['no-start'],
    cliScript: io.cliScript,
    stdin: io.stdin,
    stdout: io.stdout,
    stderr: io.stderr,
  });
}
