import { UiLoginLinkResponseSchema } from '../../contract/control-api.js';
import { BrokerError, isBrokerError } from '../base/errors.js';
import { requestControl } from '../control/control-client.js';
import { cliCommand } from '../runtime/cli-command.js';
import { locations } from '../runtime/paths.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';
import { openBrowser } from './open-browser.js';

export const uiHelp = `Usage: mcp-auth-broker ui [--open] [--config FILE] [--data-dir DIR]

Prints a one-time login link to the running broker's window in the browser
(http://127.0.0.1:<port>/ui/). The link works once, for 5 minutes, and only on this machine; it sets
a session cookie in the browser that opens it. --open also opens it in the default browser.`;

export async function uiCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, { open: { type: 'boolean' } });
  if (values.help) return (writeLine(io.stdout, uiHelp), 0);
  const { dataDir } = locations(values, io.env);
  let url: string;
  try {
    url = (await requestControl(dataDir, 'POST', '/ui/login-link', UiLoginLinkResponseSchema)).url;
  } catch (error) {
    if (isBrokerError(error, 'BROKER_UNREACHABLE')) {
      throw new BrokerError(
        'BROKER_UNREACHABLE',
        `The broker is not running. Start it with "${cliCommand('serve')}" (it prints a login link too).`,
      );
    }
    throw error;
  }
  writeLine(io.stdout, url);
  if (values.open) await openBrowser(url);
  return 0;
}
