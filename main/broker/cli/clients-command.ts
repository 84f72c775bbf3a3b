import type { ClientGrantSummary } from '../authz/client-grants.js';
import { errorFromAnswer } from '../error-codes.js';
import { BrokerError, isBrokerError } from '../errors.js';
import { locations, parseCommand, writeLine, type CliIo } from './cli-context.js';
import { callControl, type ControlResponse } from './control-client.js';

export const clientsHelp = `Usage: mcp-auth-broker clients [--json]          OAuth clients (Cursor, Claude Code, VS Code, …) and what they may use
       mcp-auth-broker clients revoke CLIENT_ID   revoke every grant of a client; its tokens stop working at once

HTTP MCP clients reach the broker at http://127.0.0.1:<port>/mcp and get access through the broker's
consent page; each grant names the servers (scopes mcp:servers:<name>) the client may use. Revoking
keeps the client's registration: its next sign-in asks you again. Needs a running broker.`;

async function control(dataDir: string, method: string, path: string): Promise<ControlResponse> {
  try {
    return await callControl(dataDir, method, path);
  } catch (error) {
    if (isBrokerError(error, 'BROKER_UNREACHABLE'))
      throw new BrokerError(
        'BROKER_UNREACHABLE',
        'The broker is not running; start it with "mcp-auth-broker serve".',
      );
    throw error;
  }
}

function formatClient(c: ClientGrantSummary): string {
  const lines = [
    `${c.clientName ?? '(no name)'}  ${c.clientId}`,
    `  kind: ${c.kind}; servers: ${c.scopes.length ? c.scopes.map((s) => s.replace(/^mcp:servers:/, '')).join(', ') : '(none granted)'}`,
    `  redirects: ${c.redirectUris.join(', ') || '(none)'}`,
    `  grants: ${String(c.grants)}; refresh tokens: ${String(c.refreshTokens)}${c.consentedAt ? `; approved ${c.consentedAt}` : ''}`,
  ];
  return lines.join('\n');
}

export async function clientsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' } }, true);
  const [sub, id, extra] = positionals;
  if (values.help) return (writeLine(io.stdout, clientsHelp), 0);
  const where = locations(values, io.env);
  if (sub === undefined || sub === 'list') {
    const res = await control(where.dataDir, 'GET', '/clients');
    if (res.status !== 200) throw errorFromAnswer(res.status, res.body);
    const clients = (res.body as { clients: ClientGrantSummary[] }).clients;
    if (values.json) writeLine(io.stdout, JSON.stringify(clients, null, 2));
    else writeLine(io.stdout, clients.length ? clients.map(formatClient).join('\n\n') : '(no OAuth clients)');
    return 0;
  }
  if (sub !== 'revoke' || !id || extra !== undefined)
    throw new BrokerError('USAGE', 'Usage: clients [--json] | clients revoke CLIENT_ID');
  const res = await control(where.dataDir, 'DELETE', `/clients/${encodeURIComponent(id)}`);
  const body = res.body as { grants?: number; message?: string };
  if (res.status === 404) {
    writeLine(io.stderr, body.message ?? `No OAuth client "${id}".`);
    return 1;
  }
  if (res.status !== 200) throw errorFromAnswer(res.status, res.body);
  if (values.json) writeLine(io.stdout, JSON.stringify(body));
  else
    writeLine(io.stdout, `Revoked ${String(body.grants ?? 0)} grant(s) of ${id}; its tokens no longer work.`);
  return 0;
}
