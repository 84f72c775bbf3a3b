import { dirname } from 'node:path';

import { exitCodeFor } from '../base/error-codes.js';
import { BrokerError, isBrokerError, messageOf } from '../base/errors.js';
import { BROKER_VERSION } from '../base/version.js';
import { setCliInvocation } from '../runtime/cli-command.js';
import { locations } from '../runtime/paths.js';
import { addCommand, addHelp, removeCommand } from './add-command.js';
import { auditCommand, auditHelp } from './audit-command.js';
import { type CliIo, EXIT, writeLine } from './cli-context.js';
import { clientsCommand, clientsHelp } from './clients-command.js';
import { configCommand, configHelp } from './config-command.js';
import { connectCommand, connectHelp } from './connect-command.js';
import { doctorCommand, doctorHelp } from './doctor-command.js';
import { importCommand, importHelp } from './import-command.js';
import { installCommand, installHelp, uninstallCommand } from './install-command.js';
import { keysCommand, keysHelp } from './keys-command.js';
import { loginCommand, loginHelp } from './login-command.js';
import { logoutCommand, logoutHelp } from './logout-command.js';
import { logsCommand, logsHelp } from './logs-command.js';
import { secretCommand, secretHelp } from './secret-command.js';
import { serveCommand, serveHelp } from './serve-command.js';
import { statusCommand, statusHelp } from './status-command.js';
import { tokensCommand, tokensHelp } from './tokens-command.js';
import { uiCommand, uiHelp } from './ui-command.js';

type Command = (args: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string; summary: string }> = {
  serve: { run: serveCommand, help: serveHelp, summary: 'run the broker headless' },
  connect: {
    run: connectCommand,
    help: connectHelp,
    summary: 'stdio shim for Claude Desktop (relays to the broker)',
  },
  status: { run: statusCommand, help: statusHelp, summary: 'broker and server state' },
  logs: { run: logsCommand, help: logsHelp, summary: "a server's stderr log (-f to follow)" },
  secret: { run: secretCommand, help: secretHelp, summary: 'set, list or delete keychain secrets' },
  audit: { run: auditCommand, help: auditHelp, summary: 'verify or tail the audit log' },
  config: { run: configCommand, help: configHelp, summary: 'check the config file' },
  login: { run: loginCommand, help: loginHelp, summary: 'sign in to a provider (device code or browser)' },
  logout: { run: logoutCommand, help: logoutHelp, summary: 'sign out of a provider (revoke, delete tokens)' },
  tokens: { run: tokensCommand, help: tokensHelp, summary: 'provider accounts with masked tokens' },
  clients: {
    run: clientsCommand,
    help: clientsHelp,
    summary: 'OAuth clients and their grants; approve or deny a consent request, revoke a client',
  },
  keys: {
    run: keysCommand,
    help: keysHelp,
    summary: 'API keys for local scripts: create (shown once), list, revoke',
  },
  ui: { run: uiCommand, help: uiHelp, summary: 'print a one-time login link to the window in the browser' },
  import: {
    run: importCommand,
    help: importHelp,
    summary: 'import servers from MCP client configs (Claude, Cursor, VS Code, Codex, Zed …)',
  },
  add: {
    run: addCommand,
    help: addHelp,
    summary: 'add a server from the starter catalog, or any command or URL',
  },
  remove: { run: removeCommand, help: addHelp, summary: 'remove a server from the config' },
  install: {
    run: installCommand,
    help: installHelp,
    summary: 'put the broker into an MCP client (Claude Desktop, Cursor, VS Code, …), with a backup',
  },
  uninstall: {
    run: uninstallCommand,
    help: installHelp,
    summary: 'take the broker out of an MCP client again, restoring its file',
  },
  doctor: {
    run: doctorCommand,
    help: doctorHelp,
    summary: 'walk the OAuth discovery of a remote MCP server and diagnose it',
  },
};

const MAIN_HELP = `MCP Auth Broker ${BROKER_VERSION}: every MCP credential on this machine in one place.

Usage: mcp-auth-broker <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(11)}${c.summary}`)
  .join('\n')}

Common options: --config FILE, --data-dir DIR, --help. "mcp-auth-broker <command> --help" for more.`;

/** Runs the CLI; returns the process exit code. Errors are printed as one clear message on stderr. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeLine(io.stdout, MAIN_HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') return (writeLine(io.stdout, BROKER_VERSION), EXIT.ok);
  const command = COMMANDS[name];
  if (!command) {
    writeLine(io.stderr, `Unknown command "${name}".\n\n${MAIN_HELP}`);
    return EXIT.usage;
  }
  setCliInvocation(io.cliScript, locations(whereOptions(rest), io.env), io.env);
  try {
    return await command.run(rest, io);
  } catch (error) {
    const disk = diskProblem(error);
    writeLine(io.stderr, `mcp-auth-broker ${name}: ${disk ?? messageOf(error)}`);
    if (disk !== undefined) return EXIT.error;
    if (!(error instanceof BrokerError) || isBrokerError(error, 'INTERNAL'))
      writeLine(
        io.stderr,
        'This looks like a bug; please report it with the output of "mcp-auth-broker status".',
      );
    return exitCodeFor(error);
  }
}

/** `--config` / `--data-dir` among a command's arguments (both `--x V` and `--x=V`). */
function whereOptions(args: string[]): { config?: string; 'data-dir'?: string } {
  const out: { config?: string; 'data-dir'?: string } = {};
  args.forEach((arg, i) => {
    for (const name of ['config', 'data-dir'] as const) {
      if (arg === `--${name}` && args[i + 1] !== undefined) out[name] = args[i + 1] as string;
      else if (arg.startsWith(`--${name}=`)) out[name] = arg.slice(name.length + 3);
    }
  });
  return out;
}

/** A clear message for a file system that refuses writes (read-only, full, not permitted). */
function diskProblem(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('code' in error) || !('path' in error)) return undefined;
  const why: Record<string, string> = {
    EROFS: 'is on a read-only file system',
    ENOSPC: 'is on a full disk',
    EACCES: 'may not be written by this user',
    EPERM: 'may not be written by this user',
  };
  const reason = typeof error.code === 'string' ? why[error.code] : undefined;
  if (reason === undefined) return undefined;
  const path = String(error.path);
  return (
    `cannot write ${path}: the folder ${dirname(path)} ${reason} (${String(error.code)}). ` +
    'Make it writable, or choose another data folder with --data-dir.'
  );
}
