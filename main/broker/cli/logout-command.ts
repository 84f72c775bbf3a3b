import { LogoutResponseSchema } from '../../contract/control-api.js';
import type { LogoutResult } from '../../contract/providers.js';
import { BrokerError } from '../base/errors.js';
import { requestControl } from '../control/control-client.js';
import { parseAccountId } from '../providers/provider-config.js';
import { locations } from '../runtime/paths.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';
import { viaBrokerOrLocalProviders } from './provider-local.js';

export const logoutHelp = `Usage: mcp-auth-broker logout <provider>[:<account>] [--json]

Signs out: revokes the tokens at the provider where it has a revocation endpoint (RFC 7009), then
deletes the local copies from the keychain either way.`;

function describe(account: string, result: LogoutResult): string {
  const local = result.deleted ? 'local tokens deleted' : 'no local tokens were stored';
  switch (result.revocation.status) {
    case 'revoked':
      return `Signed out of ${account}: revoked at the provider; ${local}.`;
    case 'no_endpoint':
      return `Signed out of ${account}: the provider has no revocation endpoint (revoke the app's access in its settings if needed); ${local}.`;
    case 'failed':
      return `Signed out of ${account}: revocation at the provider failed (${result.revocation.reason}); ${local} anyway.`;
  }
}

export async function logoutCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' } }, true);
  if (values.help || positionals.length === 0) return (writeLine(io.stdout, logoutHelp), values.help ? 0 : 2);
  if (positionals.length > 1) throw new BrokerError('USAGE', 'logout takes one <provider>[:<account>].');
  const account = parseAccountId(positionals[0] ?? '').id;
  const where = locations(values, io.env);
  const result = await viaBrokerOrLocalProviders(
    where,
    () =>
      requestControl(
        where.dataDir,
        'POST',
        `/providers/${encodeURIComponent(account)}/logout`,
        LogoutResponseSchema,
      ),
    (service) => service.logout(account),
  );
  writeLine(io.stdout, values.json ? JSON.stringify({ account, ...result }) : describe(account, result));
  return 0;
}
