import type { IncomingMessage, ServerResponse } from 'node:http';

import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

import { type AccessTokenClaims, serversFromScopes } from '../authz/access-token.js';
import { MCP_PATH } from '../net/mcp-resource.js';
import { authenticateBearer } from './bearer-auth.js';
import { type ResourceDenial, sendDenial } from './bearer-challenge.js';
import { type McpBody, protocolVersionDenial, readMcpBody } from './mcp-http-request.js';
import { applyGrantedScope, type BoundSession, newSessionId } from './mcp-session-table.js';
import { auditDenial, openBoundSession, type ResourceContext } from './resource-context.js';
import { scopeDenial, serversCalled } from './scope-check.js';

const METHODS = new Set(['GET', 'POST', 'DELETE']);

/**
 * The streamable HTTP MCP endpoint at `/mcp` as an OAuth protected resource: every request is
 * authenticated by its bearer token before anything else, sessions are bound to the token's client
 * and subject, and a call into a server the token does not grant is refused with 403 before it
 * reaches the transport. One SDK StreamableHTTPServerTransport per session: requests are answered on
 * an SSE stream (so progress and logging can precede the result), GET opens the standalone stream.
 * @see MCP 2025-11-25 basic/transports §Streamable HTTP; basic/authorization §Access Token Usage
 */
export function streamableHttpHandler(ctx: ResourceContext) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const denial = await serve(ctx, req, res, url);
    if (denial) {
      auditDenial(ctx, req, url, denial);
      sendDenial(res, denial, ctx.metadataUrl);
    }
  };
}

/** Serves one request, or returns why it is refused (nothing has been written then). */
async function serve(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<ResourceDenial | undefined> {
  if (url.pathname !== MCP_PATH) {
    return { status: 404, rpcCode: -32601, description: `Nothing at ${url.pathname}; use ${MCP_PATH}.` };
  }
  const auth = await authenticateBearer(req.headers.authorization, url, ctx.auth);
  if (!auth.ok) return auth.denial;
  const { claims } = auth;
  const early = earlyDenial(req, claims);
  if (early) return early;
  let body: McpBody | undefined;
  if (req.method === 'POST') {
    body = await readMcpBody(req);
    if (!body.ok) return { ...body.denial, clientId: claims.clientId };
    if (body.messages.some((m) => isInitializeRequest(m))) {
      await initializeSession(ctx, claims, req, res, body.parsed);
      return undefined;
    }
  }
  const found = ctx.sessions.lookup(req, claims);
  if ('denial' in found) return found.denial;
  const granted = serversFromScopes(claims.scopes);
  if (body?.ok) {
    const scope = scopeDenial(serversCalled(ctx.gateway, body.messages), granted, claims.clientId);
    if (scope) return scope;
  }
  applyGrantedScope(found.session, granted);
  await found.session.handleHttp?.(req, res, body?.ok ? body.parsed : undefined);
  return undefined;
}

function earlyDenial(req: IncomingMessage, claims: AccessTokenClaims): ResourceDenial | undefined {
  if (!METHODS.has(req.method ?? '')) {
    return {
      status: 405,
      rpcCode: -32000,
      description: 'Method not allowed; use GET, POST or DELETE.',
      clientId: claims.clientId,
    };
  }
  const version = protocolVersionDenial(req);
  return version ? { ...version, clientId: claims.clientId } : undefined;
}

/** A new session: transport + front session, registered once the transport has minted its id. */
async function initializeSession(
  ctx: ResourceContext,
  claims: AccessTokenClaims,
  req: IncomingMessage,
  res: ServerResponse,
  parsed: unknown,
): Promise<void> {
  const pending: { session?: BoundSession } = {};
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: newSessionId,
    onsessioninitialized: (id) => {
      if (pending.session) ctx.sessions.add({ ...pending.session, id });
    },
  });
  transport.onclose = () => {
    if (transport.sessionId !== undefined) ctx.sessions.remove(transport.sessionId);
  };
  const session = await openBoundSession(ctx, claims, transport, '', 'http');
  pending.session = {
    ...session,
    handleHttp: (request, response, body) => transport.handleRequest(request, response, body),
  };
  await transport.handleRequest(req, res, parsed);
  // Refused before a session existed (e.g. a bad Accept header): nothing will ever reach it again.
  if (transport.sessionId === undefined) await transport.close();
}
