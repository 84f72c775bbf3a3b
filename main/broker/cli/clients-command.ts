import type { z } from 'zod';

import type { ClientGrantSummary, ConsentRequest } from '../../contract/consent.js';
import {
  ClientsResponseSchema,
  ConsentDecisionResponseSchema,
  ConsentsResponseSchema,
  RevokeClientResponseSchema,
} from '../../contract/control-api.js';
import { BrokerError, isBrokerError } from '../base/errors.js';
import { requestControl } from '../control/control-client.js';
import { locations } from '../runtime/paths.js';
import { type CliIo, parseCommand, writeLine } from './cli-context.js';

export const clientsHelp = `Usage: mcp-auth-broker clients [--json]          OAuth clients (Cursor, Claude Code, VS Code, …) and what they may use
       mcp-auth-broker clients revoke CLIENT_ID   revoke every grant of a client; its tokens stop working at once
       mcp-auth-broker clients pending [--json]   consent requests waiting for you, with their request codes
       mcp-auth-broker clients approve CODE [--servers a,b]   approve one (default: the servers it asked for)
       mcp-auth-broker clients deny CODE          deny one; the client gets access_denied

HTTP MCP clients reach the broker at http://127.0.0.1:<port>/mcp and ask for access on the broker's
consent page, which shows a request code. You approve that code here, in the broker window or from
its notification; the page then continues by itself. Each grant names the servers (scopes
mcp:servers:<name>) the client may use. Revoking keeps the client's registration: its next sign-in
asks you again. Needs a running broker.`;

const USAGE =
  'Usage: clients [--json] | clients revoke CLIENT_ID | clients pending | clients approve CODE [--servers a,b] | clients deny CODE';

/** A control-socket request that says how to start the broker when it is not running. */
export async function control<S extends z.ZodType>(
  dataDir: string,
  method: string,
  path: string,
  response: S,
  body?: unknown,
): Promise<z.output<S>> {
  try {
    return await requestControl(dataDir, method, path, response, body);
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

function formatConsent(c: ConsentRequest): string {
  const servers = c.scopes.map((s) => s.replace(/^mcp:servers:/, '')).join(', ') || '(none)';
  return [
    `${c.requestCode}  ${c.clientName}  ${c.clientId}`,
    `  returns to: ${c.redirectHost}; servers asked: ${servers}; expires ${c.expiresAt}`,
  ].join('\n');
}

async function pendingCommand(dataDir: string, json: boolean, io: CliIo): Promise<number> {
  const body = await control(dataDir, 'GET', '/consents', ConsentsResponseSchema);
  if (json) writeLine(io.stdout, JSON.stringify(body.pending, null, 2));
  else
    writeLine(
      io.stdout,
      body.pending.length ? body.pending.map(formatConsent).join('\n\n') : '(no consent requests waiting)',
    );
  return 0;
}

async function decideCommand(
  dataDir: string,
  decision: 'approve' | 'deny',
  code: string,
  options: { json: boolean; servers: string | undefined },
  io: CliIo,
): Promise<number> {
  const scopes = options.servers
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s.startsWith('mcp:servers:') ? s : `mcp:servers:${s}`));
  const body = await control(
    dataDir,
    'POST',
    `/consents/${encodeURIComponent(code)}/${decision}`,
    ConsentDecisionResponseSchema,
    decision === 'approve' && scopes ? { scopes } : undefined,
  );
  if (options.json) writeLine(io.stdout, JSON.stringify(body));
  else
    writeLine(
      io.stdout,
      decision === 'approve'
        ? `Approved ${body.consent.requestCode} (${body.consent.clientName}); its browser page continues by itself.`
        : `Denied ${body.consent.requestCode} (${body.consent.clientName}); the client gets access_denied.`,
    );
  return 0;
}

export async function clientsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    { json: { type: 'boolean' }, servers: { type: 'string' } },
    true,
  );
  const [sub, id, extra] = positionals;
  if (values.help) return (writeLine(io.stdout, clientsHelp), 0);
  const where = locations(values, io.env);
  if (sub === 'pending' && id === undefined) return pendingCommand(where.dataDir, values.json === true, io);
  if ((sub === 'approve' || sub === 'deny') && id && extra === undefined)
    return decideCommand(where.dataDir, sub, id, { json: values.json === true, servers: values.servers }, io);
  if (sub === undefined || sub === 'list') {
    const { clients } = await control(where.dataDir, 'GET', '/clients', ClientsResponseSchema);
    if (values.json) writeLine(io.stdout, JSON.stringify(clients, null, 2));
    else writeLine(io.stdout, clients.length ? clients.map(formatClient).join('\n\n') : '(no OAuth clients)');
    return 0;
  }
  if (sub !== 'revoke' || !id || extra !== undefined) throw new BrokerError('USAGE', USAGE);
  const body = await control(
    where.dataDir,
    'DELETE',
    `/clients/${encodeURIComponent(id)}`,
    RevokeClientResponseSchema,
  );
  if (values.json) writeLine(io.stdout, JSON.stringify(body));
  else writeLine(io.stdout, `Revoked ${String(body.grants)} grant(s) of ${id}; its tokens no longer work.`);
  return 0;
}
