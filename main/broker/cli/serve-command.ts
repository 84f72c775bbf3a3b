import { createLogger } from '../base/logger.js';
import { Broker } from '../broker.js';
import { absoluteCliCommand, cliCommand } from '../runtime/cli-command.js';
import { locations } from '../runtime/paths.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import { type CliIo, parseCommand, parsePort, writeLine } from './cli-context.js';

export const serveHelp = `Usage: mcp-auth-broker serve [--config FILE] [--data-dir DIR] [--port N] [--log-level LEVEL] [--background]

Runs the broker headless: spawns the configured MCP servers, listens on the same-user socket the
"connect" shim uses, and serves GET /healthz on http://127.0.0.1:<port> (default 47821; 0 = any free
port). One broker per data dir. Stops on Ctrl-C / SIGTERM. Prints a one-time login link to the window
unless --background (what "connect" uses: its output goes to a log file, which is no place for a link
that works as a credential; get one with "mcp-auth-broker ui").`;

export async function serveCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, {
    port: { type: 'string' },
    'log-level': { type: 'string' },
    background: { type: 'boolean' },
  });
  if (values.help) return (writeLine(io.stdout, serveHelp), 0);
  const where = locations(values, io.env);
  const redactor = new SecretRedactor();
  const logger = createLogger({ redactor, ...(values['log-level'] ? { level: values['log-level'] } : {}) });
  const port = parsePort(values.port);
  const broker = await Broker.start({ ...where, redactor, logger, ...(port === undefined ? {} : { port }) });
  writeLine(io.stdout, `MCP Auth Broker ${broker.url} (pid ${String(process.pid)})`);
  writeLine(io.stdout, `config: ${where.configPath}`);
  writeLine(io.stdout, `data:   ${where.dataDir}`);
  writeLine(io.stdout, `Claude Desktop command: ${absoluteCliCommand('connect')}`);
  writeLine(
    io.stdout,
    `Put it into a client: ${cliCommand('install <client>')} (see ${cliCommand('install --list')})`,
  );
  if (broker.ui && !values.background) {
    writeLine(io.stdout, `Open the window (one-time link, 5 min): ${broker.ui.loginUrl()}`);
    writeLine(io.stdout, `A new link any time: ${cliCommand('ui')}`);
  }
  // No request may end the broker: what escapes every handler is logged and audited, and it serves on.
  const onException = (error: unknown) => broker.recordFault('uncaughtException', error);
  const onRejection = (error: unknown) => broker.recordFault('unhandledRejection', error);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping');
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
      broker.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
