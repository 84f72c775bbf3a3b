import type { IncomingMessage } from 'node:http';

import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

import type { AuditSink } from '../audit/audit-event.js';
import { type AccessTokenClaims, serversFromScopes } from '../authz/access-token.js';
import type { Logger } from '../base/logger.js';
import type { Gateway } from '../gateway/gateway.js';
import { createFrontSession } from '../gateway/mcp-front.js';
import type { RefusalAudit } from '../net/refusal-audit.js';
import type { BearerAuthDeps } from './bearer-auth.js';
import type { ResourceDenial } from './bearer-challenge.js';
import type { BoundSession, SessionTable } from './mcp-session-table.js';

/** What the `/mcp` and `/ws` endpoints share. */
export interface ResourceContext {
  gateway: Gateway;
  audit: AuditSink;
  /** Folds repeated refusals of requests that named no verified client (no token, a bad token). */
  refusals?: Pick<RefusalAudit, 'record'>;
  logger: Logger;
  version: string;
  auth: BearerAuthDeps;
  /** The RFC 9728 metadata URL named in every challenge. */
  metadataUrl: string;
  sessions: SessionTable;
}

/** Records a refused request in the audit log: status, reason, client when known — never the token. */
export function auditDenial(
  ctx: ResourceContext,
  req: IncomingMessage,
  url: URL,
  denial: ResourceDenial,
): void {
  const event = {
    type: 'mcp.denied',
    outcome: 'denied',
    errorCode: denial.status,
    ...(denial.clientId === undefined ? {} : { client: denial.clientId, clientId: denial.clientId }),
    message: `${req.method ?? ''} ${url.pathname}: ${denial.error ?? 'refused'}: ${denial.description}`,
  } as const;
  // A request that named no verified client is anyone's: repeats of its kind become one line a minute.
  // The key is built from fixed values only (status and error code), never from the request.
  if (denial.clientId === undefined && ctx.refusals)
    ctx.refusals.record(`mcp.denied:${String(denial.status)}:${denial.error ?? 'none'}`, event);
  else ctx.audit.record(event);
}

/**
 * Connects a transport to a new front session scoped to the servers the token grants and returns
 * the session, bound to the token's client and subject. The caller registers it once it has an id.
 */
export async function openBoundSession(
  ctx: ResourceContext,
  claims: AccessTokenClaims,
  transport: Transport,
  id: string,
  channel: 'http' | 'ws',
): Promise<BoundSession> {
  const scope = new Set(serversFromScopes(claims.scopes));
  const front = createFrontSession({
    gateway: ctx.gateway,
    audit: ctx.audit,
    logger: ctx.logger,
    version: ctx.version,
    connectionLabel: `${channel}:${claims.clientId}`,
    clientId: claims.clientId,
    scope,
  });
  const session: BoundSession = {
    id,
    clientId: claims.clientId,
    subject: claims.subject,
    scope,
    transport,
    lastSeen: Date.now(),
    notifyListsChanged: () => {
      void front.server.sendToolListChanged().catch(() => undefined);
      void front.server.sendPromptListChanged().catch(() => undefined);
      void front.server.sendResourceListChanged().catch(() => undefined);
    },
  };
  await front.connect(transport);
  return session;
}
