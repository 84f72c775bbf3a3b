import type { ApiKeySummary } from '../../contract/api-keys.js';
import {
  ApiKeysResponseSchema,
  CreateApiKeyResponseSchema,
  RevokeApiKeyResponseSchema,
} from '../../contract/control-api.js';
import { BrokerError } from '../base/errors.js';
import { locations } from '../runtime/paths.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';
import { control } from './clients-command.js';

export const keysHelp = `Usage: mcp-auth-broker keys create NAME --servers a,b [--expires 30d] [--json]
       mcp-auth-broker keys list [--json]
       mcp-auth-broker keys revoke NAME

API keys let a local script, cron job or agent framework that cannot sign in through a browser use
the broker's HTTP endpoints (http://127.0.0.1:<port>/mcp and /ws) with "Authorization: Bearer <key>".
A key may use only the servers it names. "create" prints the key once, on stdout: store it then;
the broker keeps only its hash. --expires takes a number with s, m, h or d (e.g. 12h, 30d); without
it the key does not expire. "revoke" takes effect at once, also for open connections. Keys are never
accepted in a URL. Calls made with a key are audited as client "key:NAME". Needs a running broker.`;

const USAGE = 'Usage: keys create NAME --servers a,b [--expires 30d] | keys list [--json] | keys revoke NAME';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `30d`, `12h`, `15m`, `90s` → seconds. */
function parseExpiry(text: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  const seconds = match?.[1] && match[2] ? Number(match[1]) * (UNIT_SECONDS[match[2]] ?? 0) : 0;
  if (seconds <= 0)
    throw new BrokerError('USAGE', `--expires must be a number with s, m, h or d (e.g. 30d), got "${text}".`);
  return seconds;
}

function formatKey(k: ApiKeySummary): string {
  const expiry = k.expiresAt ? `${k.expired ? 'expired' : 'expires'} ${k.expiresAt}` : 'no expiry';
  return [
    `${k.name}  (${k.clientId})${k.expired ? '  EXPIRED' : ''}`,
    `  servers: ${k.servers.join(', ')}`,
    `  created ${k.createdAt}; ${expiry}; last used ${k.lastUsedAt ?? 'never'}`,
  ].join('\n');
}

async function createKey(
  dataDir: string,
  name: string,
  options: { servers: string | undefined; expires: string | undefined; json: boolean },
  io: CliIo,
): Promise<number> {
  const servers = (options.servers ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (servers.length === 0)
    throw new BrokerError('USAGE', 'Name the servers the key may use: --servers a,b.');
  const expiresInSeconds = options.expires === undefined ? undefined : parseExpiry(options.expires);
  const created = await control(dataDir, 'POST', '/keys', CreateApiKeyResponseSchema, {
    name,
    servers,
    ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
  });
  if (options.json) {
    writeLine(io.stdout, JSON.stringify(created));
    return 0;
  }
  // Only the key on stdout, so `KEY=$(mcp-auth-broker keys create …)` captures exactly it.
  writeLine(io.stdout, created.key);
  const { summary } = created;
  writeLine(
    io.stderr,
    `Created API key "${summary.name}" for ${summary.servers.join(', ')}; ${summary.expiresAt ? `expires ${summary.expiresAt}` : 'no expiry'}. ` +
      'It is shown only this once: store it now. Send it as "Authorization: Bearer <key>".',
  );
  return 0;
}

export async function keysCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    { json: { type: 'boolean' }, servers: { type: 'string' }, expires: { type: 'string' } },
    true,
  );
  if (values.help) return (writeLine(io.stdout, keysHelp), 0);
  const [sub, name, extra] = positionals;
  const { dataDir } = locations(values, io.env);
  const json = values.json === true;
  if (sub === 'create' && name && extra === undefined)
    return createKey(dataDir, name, { servers: values.servers, expires: values.expires, json }, io);
  if ((sub === 'list' || sub === undefined) && name === undefined) {
    const { keys } = await control(dataDir, 'GET', '/keys', ApiKeysResponseSchema);
    if (json) writeLine(io.stdout, JSON.stringify(keys, null, 2));
    else writeLine(io.stdout, keys.length ? keys.map(formatKey).join('\n\n') : '(no API keys)');
    return 0;
  }
  if (sub !== 'revoke' || !name || extra !== undefined) throw new BrokerError('USAGE', USAGE);
  await control(dataDir, 'DELETE', `/keys/${encodeURIComponent(name)}`, RevokeApiKeyResponseSchema);
  writeLine(io.stdout, `Revoked API key "${name}"; requests that send it are refused from now on.`);
  return 0;
}
