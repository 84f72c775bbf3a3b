import { TokensResponseSchema } from '../../contract/control-api.js';
import type { AccountListing } from '../../contract/providers.js';
import { requestControl } from '../control/control-client.js';
import { cliCommand } from '../runtime/cli-command.js';
import { locations } from '../runtime/paths.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';
import { viaBrokerOrLocalProviders } from './provider-local.js';

export const tokensHelp = `Usage: mcp-auth-broker tokens [--json]

Signed-in provider accounts: status, account id at the provider, scopes, expiry and masked tokens
(never the values).`;

const when = (ms: number | undefined) => (ms === undefined ? 'never' : new Date(ms).toISOString());

function describe(accounts: AccountListing[]): string {
  if (accounts.length === 0)
    return `(no provider accounts; sign in with "${cliCommand('login <provider>')}")`;
  return accounts
    .map((a) =>
      [
        `${a.account}  ${a.status === 'ok' ? 'signed in' : `SIGN-IN NEEDED (${a.reason ?? 'unknown'}): ${cliCommand(`login ${a.account}`)}`}`,
        ...(a.subject ? [`  subject:  ${a.subject}`] : []),
        `  scopes:   ${a.scopes.join(' ') || '(none)'}`,
        `  expires:  ${when(a.expiresAt)}${a.refreshedAt ? `  (refreshed ${when(a.refreshedAt)})` : ''}`,
        ...(a.accessToken ? [`  access:   ${a.accessToken}`] : []),
        ...(a.refreshToken ? [`  refresh:  ${a.refreshToken}`] : []),
      ].join('\n'),
    )
    .join('\n');
}

export async function tokensCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, { json: { type: 'boolean' } });
  if (values.help) return (writeLine(io.stdout, tokensHelp), 0);
  const where = locations(values, io.env);
  const accounts = await viaBrokerOrLocalProviders(
    where,
    async () => (await requestControl(where.dataDir, 'GET', '/tokens', TokensResponseSchema)).accounts,
    (service) => service.list(),
  );
  writeLine(io.stdout, values.json ? JSON.stringify(accounts) : describe(accounts));
  return 0;
}
