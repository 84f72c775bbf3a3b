import { type SignInEvent, SignInEventSchema } from '../../contract/providers.js';
import { BrokerError } from '../base/errors.js';
import { streamControl } from '../control/control-stream.js';
import { parseAccountId } from '../providers/provider-config.js';
import { locations } from '../runtime/paths.js';
import { remoteAccountId } from '../upstream-oauth/remote-authorizations.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';
import { openBrowser } from './open-browser.js';
import { viaBrokerOrLocalProviders } from './provider-local.js';

export const loginHelp = `Usage: mcp-auth-broker login <provider>[:<account>] [--device | --browser] [--no-open] [--json]

Signs in to a provider from the config's "providers" and keeps the tokens in the keychain.
  --device    device code flow (default): shows a URL and a code to enter on any device
  --browser   authorization code + PKCE in this machine's browser (loopback redirect)
  --no-open   with --browser: print the URL instead of opening the browser
  --json      one JSON object per event (device_code, waiting, browser, success, failure)
Several accounts per provider: "login github:work", "login github:personal". With a broker running,
the sign-in happens inside it (the only process that refreshes tokens).

       mcp-auth-broker login --server <name> [--no-open] [--json]
Signs in to a remote MCP server of the config that uses "auth": "oauth" (MCP authorization: discovery,
registration, PKCE in the browser); the server reconnects once signed in.`;

const mmss = (s: number) => `${String(Math.floor(s / 60))}:${String(s % 60).padStart(2, '0')}`;

/** Human text for one event; `undefined` for events that print nothing. */
export function describeSignInEvent(event: SignInEvent, noOpen: boolean): string | undefined {
  switch (event.event) {
    case 'device_code':
      return [
        `To sign in to ${event.account}, open ${event.verificationUri}`,
        `and enter the code:  ${event.userCode}`,
        ...(event.verificationUriComplete ? [`(or open ${event.verificationUriComplete})`] : []),
        `The code expires in ${mmss(event.expiresInS)}.`,
      ].join('\n');
    case 'waiting':
      return `Waiting for approval… ${mmss(event.secondsLeft)} left (checking every ${String(event.intervalS)} s)`;
    case 'browser':
      return noOpen
        ? `Open this URL in your browser to sign in to ${event.account}:\n${event.url}`
        : `Opening your browser to sign in to ${event.account}. If it does not open, visit:\n${event.url}`;
    case 'success':
      if (event.grant === 'client_credentials') {
        return `Got an access token for ${event.account} with the client credentials grant (no sign-in needed; the broker requests a new one before it expires). Scopes: ${event.scopes.join(' ') || '(none)'}${event.expiresAt ? `; valid until ${event.expiresAt}` : ''}.`;
      }
      return `Signed in to ${event.account}${event.subject ? ` as ${event.subject}` : ''}. Scopes: ${event.scopes.join(' ') || '(none)'}${event.expiresAt ? `; access token valid until ${event.expiresAt}` : ''}.`;
    case 'failure':
      return undefined; // thrown as the command's error
  }
}

export async function loginCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      device: { type: 'boolean' },
      browser: { type: 'boolean' },
      'no-open': { type: 'boolean' },
      json: { type: 'boolean' },
      server: { type: 'string' },
    },
    true,
  );
  const server = values.server;
  if (values.help || (positionals.length === 0 && server === undefined))
    return (writeLine(io.stdout, loginHelp), values.help ? 0 : 2);
  if (positionals.length > (server === undefined ? 1 : 0))
    throw new BrokerError('USAGE', 'login takes one <provider>[:<account>], or --server <name>.');
  if (values.device && values.browser)
    throw new BrokerError('USAGE', 'Choose --device or --browser, not both.');
  // A remote MCP server (issue 5) signs in as its own provider account, always in the browser.
  const account = server === undefined ? parseAccountId(positionals[0] ?? '').id : remoteAccountId(server);
  const mode = values.browser || server !== undefined ? 'browser' : 'device';
  const noOpen = values['no-open'] === true;
  let failure: SignInEvent | undefined;
  // On a terminal the countdown rewrites one line; elsewhere each poll is a line.
  const tty = (io.stdout as { isTTY?: boolean }).isTTY === true && values.json !== true;
  let midLine = false;
  const onEvent = (event: SignInEvent) => {
    if (event.event === 'failure') failure = event;
    if (event.event === 'browser' && !noOpen) void openBrowser(event.url);
    const text = values.json ? JSON.stringify(event) : describeSignInEvent(event, noOpen);
    if (text === undefined) return;
    if (tty && event.event === 'waiting') {
      io.stdout.write(`\r${text}\x1b[K`);
      midLine = true;
      return;
    }
    if (midLine) io.stdout.write('\n');
    midLine = false;
    writeLine(io.stdout, text);
  };
  const where = locations(values, io.env);
  await viaBrokerOrLocalProviders(
    where,
    () =>
      streamControl(
        where.dataDir,
        `/providers/${encodeURIComponent(account)}/login`,
        { mode },
        SignInEventSchema,
        onEvent,
      ),
    async (service) => {
      await service.login(account, { mode, onEvent }).catch(() => undefined);
    },
  );
  if (failure?.event === 'failure') {
    if (values.json) return 1;
    throw new BrokerError('SIGNIN_FAILED', failure.message);
  }
  return 0;
}
