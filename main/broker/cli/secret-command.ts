import {
  DeleteSecretResponseSchema,
  SecretListResponseSchema,
  SetSecretResponseSchema,
} from '../../contract/control-api.js';
import type { AuditLog } from '../audit/audit-log.js';
import { BrokerError } from '../base/errors.js';
import { requestControl } from '../control/control-client.js';
import { type Locations, locations } from '../runtime/paths.js';
import { assertSecretName, type SecretStore } from '../secrets/secret-store.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';
import { viaBrokerOr, withLocalState } from './local-state.js';
import { readSecretValue } from './secret-input.js';

export const secretHelp = `Usage: mcp-auth-broker secret set NAME     (value read from stdin, or typed hidden on a terminal)
       mcp-auth-broker secret list [--json]  (names only, never values)
       mcp-auth-broker secret delete NAME

Secrets live in the OS keychain (or the encrypted file store, if the config chooses it). Reference
one from a server's env in the config: "GITHUB_TOKEN": {"secret": "NAME"}. With a broker running,
the change goes through it and the servers using that secret restart with the new value.`;

/** Through the running broker when there is one, else directly with the lock held. */
export function viaBrokerOrLocal<T>(
  where: Locations,
  remote: () => Promise<T>,
  local: (store: SecretStore, audit: AuditLog) => Promise<T>,
): Promise<T> {
  return viaBrokerOr(remote, () => withLocalState(where, ({ store, audit }) => local(store, audit)));
}

export async function secretCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' } }, true);
  const [sub, name, extra] = positionals;
  if (values.help || !sub) return (writeLine(io.stdout, secretHelp), values.help ? 0 : 2);
  if (extra !== undefined)
    throw new BrokerError(
      'USAGE',
      'Too many arguments. Secret values are read from stdin, never from the command line.',
    );
  const where = locations(values, io.env);
  if (sub === 'list') {
    const names = await viaBrokerOrLocal(
      where,
      async () => (await requestControl(where.dataDir, 'GET', '/secrets', SecretListResponseSchema)).names,
      (store) => store.list(),
    );
    writeLine(
      io.stdout,
      values.json ? JSON.stringify(names) : names.length ? names.join('\n') : '(no secrets)',
    );
    return 0;
  }
  if (!name || (sub !== 'set' && sub !== 'delete'))
    throw new BrokerError('USAGE', `Usage: secret set NAME | secret list | secret delete NAME`);
  assertSecretName(name);
  const path = `/secrets/${encodeURIComponent(name)}`;
  if (sub === 'set') {
    const value = await readSecretValue(io, name);
    const restarted = await viaBrokerOrLocal(
      where,
      async () =>
        (await requestControl(where.dataDir, 'PUT', path, SetSecretResponseSchema, { value })).restarted,
      async (store, audit) => {
        await store.set(name, value);
        audit.record({ type: 'secret.set', outcome: 'ok', secretName: name });
        return [];
      },
    );
    writeLine(
      io.stdout,
      `Saved secret "${name}".${restarted.length ? ` Restarted: ${restarted.join(', ')}.` : ''}`,
    );
    return 0;
  }
  const deleted = await viaBrokerOrLocal(
    where,
    async () => (await requestControl(where.dataDir, 'DELETE', path, DeleteSecretResponseSchema)).deleted,
    async (store, audit) => {
      const gone = await store.delete(name);
      audit.record({ type: 'secret.delete', outcome: gone ? 'ok' : 'error', secretName: name });
      return gone;
    },
  );
  writeLine(io.stdout, deleted ? `Deleted secret "${name}".` : `No secret named "${name}".`);
  return deleted ? 0 : 1;
}
